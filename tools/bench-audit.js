#!/usr/bin/env node
// Measures the audit store at its caps: AUDIT_MAX_RECORDS rows in AUDIT_MAX_BYTES.
// Run after `npm run build`:  node tools/bench-audit.js [rows] [maxBytes]
// Prints, in ms: single inserts (as the recorder does them), GET /audit queries
// (each filter, worst case: matching nothing), and the longest time one prune
// step held the event loop, next to one unbatched DELETE as before.
const { mkdtempSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Logger } = require('@nestjs/common');
const { AuditStore } = require('../dist/apps/proxy/apps/proxy/src/audit/audit-store');

Logger.overrideLogger(false);
const rows = Number(process.argv[2] ?? 1_000_000);
const maxBytes = Number(process.argv[3] ?? 268_435_456);
const path = join(mkdtempSync(join(tmpdir(), 'audit-bench-')), 'audit.db');
const store = new AuditStore(path);
const db = store.db;

const rules = ['privileged', 'host-mount', 'capabilities', 'network-mode', 'devices'];
const row = (i) => ({
  time: new Date(Date.now() - (rows - i) * 1000).toISOString(),
  requestId: `bench-${i}`,
  client: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:${40000 + (i % 20000)}`,
  method: 'POST',
  route: '/containers/create',
  routeClass: 'validated',
  path: `/v1.41/containers/create?name=job-${i}-${'x'.repeat(i % 97)}`,
  apiVersion: '1.41',
  decision: i % 3 ? 'allowed' : 'denied',
  rules: i % 3 ? [] : [rules[i % rules.length]],
  messages: i % 3 ? [] : [`dind-service policy denied the request: HostConfig.Privileged=true: privileged containers are not allowed (rule ${rules[i % rules.length]}) ${'m'.repeat(i % 131)}`],
  status: i % 3 ? 201 : 403,
  objectId: i % 3 ? (i * 2654435761).toString(16).padStart(12, '0') : undefined,
  durationMs: 3.2,
});

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const stats = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(3);
  return `p50 ${at(0.5)}  p99 ${at(0.99)}  max ${sorted[sorted.length - 1].toFixed(3)}`;
};

async function main() {
  let t = process.hrtime.bigint();
  const insert = store.statements.insert;
  const fill = db.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const r = row(i);
      insert.run({ ...r, apiVersion: r.apiVersion, objectId: r.objectId ?? null, rules: JSON.stringify(r.rules), messages: JSON.stringify(r.messages), phase: 'final', truncated: 0, pathSha256: null, messagesSha256: null });
    }
  });
  for (let i = 0; i < rows; i += 50_000) fill(i, Math.min(rows, i + 50_000));
  db.pragma('wal_checkpoint(TRUNCATE)');
  console.log(`filled ${rows} rows in ${(ms(t) / 1000).toFixed(1)} s; records use ${(store.usedBytes() / 1048576).toFixed(1)} MiB, file ${(statSync(path).size / 1048576).toFixed(1)} MiB`);

  const inserts = [];
  for (let i = 0; i < 2000; i++) {
    const r = { ...row(rows + i), requestId: `live-${i}` };
    t = process.hrtime.bigint();
    store.insert(r);
    inserts.push(ms(t));
  }
  console.log(`insert (one record, autocommit):      ${stats(inserts)}`);

  const queries = {
    'no filter': {},
    'decision=denied': { decision: 'denied' },
    'rule=devices': { rule: 'devices' },
    'rule=absent': { rule: 'absent' },
    'client=10.1.2.3': { client: '10.1.2.3' },
    'client=absent': { client: '192.168.0.1' },
    'container=absent': { container: 'ffffffffffff' },
    'route=absent': { route: '/absent' },
    'since=recent': { since: new Date(Date.now() - 60_000).toISOString() },
  };
  for (const [name, filter] of Object.entries(queries)) {
    const samples = [];
    for (let i = 0; i < 10; i++) {
      t = process.hrtime.bigint();
      store.query({ ...filter, limit: 100 });
      samples.push(ms(t));
    }
    console.log(`query ${name.padEnd(32)} ${stats(samples)}`);
  }

  // The longest event-loop turn while prune removes a tenth of the bytes.
  const before = store.usedBytes();
  let longest = 0;
  let last = process.hrtime.bigint();
  let watching = true;
  const watch = () => {
    const now = process.hrtime.bigint();
    longest = Math.max(longest, Number(now - last) / 1e6);
    last = now;
    if (watching) setImmediate(watch);
  };
  setImmediate(watch);
  t = process.hrtime.bigint();
  const removed = await store.prune(3650, 10_000_000, Math.min(maxBytes, Math.floor(before * 0.9)));
  const total = ms(t);
  watching = false;
  console.log(`prune by bytes: ${removed} rows, ${(before / 1048576).toFixed(1)} -> ${(store.usedBytes() / 1048576).toFixed(1)} MiB in ${total.toFixed(0)} ms, longest event-loop turn ${longest.toFixed(1)} ms; file ${(statSync(path).size / 1048576).toFixed(1)} MiB`);

  // Which step costs what: one batch of deletes, one vacuum step, one checkpoint.
  const { PRUNE_BATCH_ROWS, VACUUM_BATCH_PAGES } = require('../dist/apps/proxy/apps/proxy/src/audit/audit-retention');
  const del = db.prepare('DELETE FROM audit WHERE seq IN (SELECT seq FROM audit ORDER BY seq LIMIT ?)');
  const steps = { deletes: [], vacuum: [], checkpoint: [] };
  for (let i = 0; i < 50; i++) {
    t = process.hrtime.bigint();
    del.run(PRUNE_BATCH_ROWS);
    steps.deletes.push(ms(t));
  }
  for (let i = 0; i < 20 && db.pragma('freelist_count', { simple: true }) > 0; i++) {
    t = process.hrtime.bigint();
    db.pragma(`incremental_vacuum(${VACUUM_BATCH_PAGES})`);
    steps.vacuum.push(ms(t));
  }
  t = process.hrtime.bigint();
  db.pragma('wal_checkpoint(RESTART)');
  steps.checkpoint.push(ms(t));
  for (const [name, samples] of Object.entries(steps)) if (samples.length) console.log(`prune step ${name.padEnd(11)} ${stats(samples)}`);

  t = process.hrtime.bigint();
  const unbatched = db.prepare('DELETE FROM audit WHERE seq IN (SELECT seq FROM audit ORDER BY seq LIMIT 100000)').run().changes;
  console.log(`for comparison, one unbatched DELETE of ${unbatched} rows (the old prune): ${ms(t).toFixed(0)} ms in one turn`);
  store.close();
}

void main();
