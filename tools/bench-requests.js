#!/usr/bin/env node
// Measures request latency and throughput against a Docker API endpoint, to
// compare the daemon's own socket with the proxy in front of it.
// Usage: node tools/bench-requests.js <unix:///path|tcp://host:port> [path] [requests] [concurrency]
'use strict';
const http = require('http');

const [target, path = '/_ping', total = '2000', concurrency = '8'] = process.argv.slice(2);
const location = target.startsWith('unix://') ? { socketPath: target.slice(7) } : (({ hostname, port }) => ({ host: hostname, port }))(new URL(target.replace('tcp:', 'http:')));
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) });
const latencies = [];
let sent = 0;

function one() {
  if (sent >= Number(total)) return Promise.resolve();
  sent++;
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    http
      .get({ ...location, path, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode >= 400) return reject(new Error(`status ${res.statusCode}`));
          latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          resolve();
        });
      })
      .on('error', reject);
  }).then(one);
}

(async () => {
  const started = Date.now();
  await Promise.all(Array.from({ length: Number(concurrency) }, one));
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
  console.log(`${target}${path}: ${latencies.length} requests, ${(latencies.length / seconds).toFixed(0)} req/s, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`);
  agent.destroy();
})();
