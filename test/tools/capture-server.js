#!/usr/bin/env node
'use strict';
/**
 * A fake Docker Engine API endpoint that records what real clients send.
 * No dependencies; no daemon needed.
 *
 *   CAPTURE_FILE=/tmp/capture.jsonl CAPTURE_API_VERSION=1.41 CAPTURE_PORT=0 \
 *     node test/tools/capture-server.js
 *   DOCKER_HOST=tcp://127.0.0.1:<port> docker run --privileged img true
 *
 * Environment:
 *   CAPTURE_FILE          JSON-lines file; one line per request (required)
 *   CAPTURE_API_VERSION   version announced by /_ping and /version (default 1.41)
 *   CAPTURE_SOCKET        listen on this unix socket ...
 *   CAPTURE_PORT          ... or on this loopback TCP port (default 0: any free port)
 *   CAPTURE_STUBS         "compose": also answer the few reads/creates docker-compose
 *                         needs before it reaches POST /containers/create
 *
 * Once listening it prints one JSON line on stdout: {"listening": "tcp://127.0.0.1:PORT"}.
 *
 * Answers:
 *   GET|HEAD /_ping, /vX/_ping     200 "OK" with API-Version, Docker-Experimental, OSType
 *   GET /version                   200 plausible version JSON
 *   POST /containers/create        201 {"Id":"<64 hex>","Warnings":[]}
 *   GET /containers/{id}/json      200 a minimal running container (docker exec inspects
 *                                  the container before it sends POST /containers/{id}/exec)
 *   anything else                  404 {"message":"capture server: not implemented"}
 *                                  (connection upgrades - attach, exec start - included)
 *
 * Recorded per request: time, method, url, headers (lower-cased, as Node parses them),
 * rawHeaders (as sent), bodyLength, and body: the raw body as a utf8 string when it
 * is empty or JSON/text; for other content types (build contexts are tar files)
 * body is null and bodyOmitted is true.
 */
const http = require('node:http');
const fs = require('node:fs');
const crypto = require('node:crypto');

const captureFile = process.env.CAPTURE_FILE;
if (!captureFile) {
  console.error('capture-server: set CAPTURE_FILE');
  process.exit(2);
}
const apiVersion = process.env.CAPTURE_API_VERSION || '1.41';
const stubs = new Set((process.env.CAPTURE_STUBS || '').split(',').filter(Boolean));

const VERSIONED = /^\/v(\d+\.\d+)(\/.*)$/;
// Deterministic ids (the same on every run), so regenerated fixtures that echo an id stay stable.
let idCounter = 0;
const hex64 = () => crypto.createHash('sha256').update(`capture-server:${(idCounter += 1)}`).digest('hex');

function record(req, body) {
  const type = String(req.headers['content-type'] || '');
  const textual = body.length === 0 || /json|^text\//i.test(type);
  const entry = {
    time: new Date().toISOString(),
    method: req.method,
    url: req.url,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    bodyLength: body.length,
    body: textual ? body.toString('utf8') : null,
  };
  if (!textual) entry.bodyOmitted = true;
  fs.appendFileSync(captureFile, `${JSON.stringify(entry)}\n`);
}

function commonHeaders() {
  return {
    'Api-Version': apiVersion,
    'Docker-Experimental': 'false',
    Ostype: 'linux',
    Server: 'Docker/capture-server (linux)',
  };
}

function answer(req) {
  const url = new URL(req.url, 'http://capture');
  const versioned = VERSIONED.exec(url.pathname);
  const path = versioned ? versioned[2] : url.pathname;
  const json = (status, value) => ({ status, type: 'application/json', body: `${JSON.stringify(value)}\n` });

  if (path === '/_ping' && (req.method === 'GET' || req.method === 'HEAD')) {
    return {
      status: 200,
      type: 'text/plain; charset=utf-8',
      body: 'OK',
      headers: { 'API-Version': apiVersion, 'Docker-Experimental': 'false', OSType: 'linux', 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache' },
    };
  }
  if (path === '/version' && req.method === 'GET') {
    return json(200, {
      Platform: { Name: 'capture-server' },
      Components: [{ Name: 'Engine', Version: 'capture-server', Details: { ApiVersion: apiVersion, MinAPIVersion: '1.12', Os: 'linux', Arch: 'amd64' } }],
      Version: 'capture-server',
      ApiVersion: apiVersion,
      MinAPIVersion: '1.12',
      GitCommit: '0000000',
      GoVersion: 'go1.21',
      Os: 'linux',
      Arch: 'amd64',
      KernelVersion: '6.0.0',
      BuildTime: '2024-01-01T00:00:00.000000000+00:00',
    });
  }
  if (path === '/containers/create' && req.method === 'POST') {
    return json(201, { Id: hex64(), Warnings: [] });
  }
  const inspect = /^\/containers\/([^/]+)\/json$/.exec(path);
  if (inspect && req.method === 'GET') {
    const name = decodeURIComponent(inspect[1]);
    return json(200, {
      Id: /^[0-9a-f]{64}$/.test(name) ? name : hex64(),
      Name: `/${name}`,
      Created: '2024-01-01T00:00:00Z',
      Path: 'sh',
      Args: [],
      State: { Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 4242, ExitCode: 0, Error: '', StartedAt: '2024-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z' },
      Image: `sha256:${hex64()}`,
      HostConfig: { NetworkMode: 'default' },
      Config: { Image: 'img', Tty: false, OpenStdin: false, Labels: {} },
      NetworkSettings: { Networks: {} },
      Mounts: [],
    });
  }
  if (stubs.has('compose')) {
    const stub = composeStub(req.method, path, json);
    if (stub) return stub;
  }
  return json(404, { message: 'capture server: not implemented' });
}

// docker-compose (v1, docker-py) lists containers and inspects its network and image
// before it creates anything; these answers let it get as far as /containers/create.
function composeStub(method, path, json) {
  if (method === 'GET' && path === '/containers/json') return json(200, []);
  if (method === 'GET' && path === '/networks') return json(200, []);
  if (method === 'GET' && path === '/info') {
    return json(200, { ID: 'CAPT:URE0', Containers: 0, Images: 0, Driver: 'overlay2', OSType: 'linux', Architecture: 'x86_64', ServerVersion: 'capture-server', Name: 'capture', Swarm: { LocalNodeState: 'inactive', NodeID: '', ControlAvailable: false } });
  }
  if (method === 'GET' && path === '/volumes') return json(200, { Volumes: [], Warnings: null });
  if (method === 'POST' && path === '/networks/create') return json(201, { Id: hex64(), Warning: '' });
  if (method === 'POST' && path === '/volumes/create') return json(201, { Name: 'v', Driver: 'local', Mountpoint: '/var/lib/docker/volumes/v/_data', Labels: {}, Scope: 'local', Options: {} });
  const image = /^\/images\/(.+)\/json$/.exec(path);
  if (method === 'GET' && image) {
    return json(200, { Id: `sha256:${'0'.repeat(64)}`, RepoTags: [decodeURIComponent(image[1])], Config: { Cmd: ['sh'], Env: [], Labels: {} }, ContainerConfig: {}, Os: 'linux', Architecture: 'amd64' });
  }
  return undefined;
}

function collect(req, done) {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => done(Buffer.concat(chunks)));
  req.on('error', () => done(Buffer.concat(chunks)));
}

const server = http.createServer((req, res) => {
  collect(req, (body) => {
    record(req, body);
    const reply = answer(req);
    res.writeHead(reply.status, { ...commonHeaders(), 'Content-Type': reply.type, ...(reply.headers || {}) });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  });
});

// attach / exec start ask for "Upgrade: tcp"; Node hands those over as raw sockets.
server.on('upgrade', (req, socket, head) => {
  record(req, head);
  const body = `${JSON.stringify({ message: 'capture server: not implemented' })}\n`;
  const headers = { ...commonHeaders(), 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Connection: 'close' };
  socket.end(`HTTP/1.1 404 Not Found\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`);
});

const socketPath = process.env.CAPTURE_SOCKET;
const onListening = () => {
  const address = socketPath ? `unix://${socketPath}` : `tcp://127.0.0.1:${server.address().port}`;
  process.stdout.write(`${JSON.stringify({ listening: address, apiVersion })}\n`);
};
if (socketPath) {
  try { fs.unlinkSync(socketPath); } catch { /* not there */ }
  server.listen(socketPath, onListening);
} else {
  server.listen(Number(process.env.CAPTURE_PORT || 0), '127.0.0.1', onListening);
}
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
