import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecisionRecord } from '../observability/decision-record';
import { AuditStore } from './audit-store';

const record = (overrides: Partial<DecisionRecord>): DecisionRecord => ({
  time: new Date().toISOString(),
  requestId: Math.random().toString(16).slice(2),
  client: '127.0.0.1:5000',
  method: 'POST',
  route: '/containers/create',
  routeClass: 'validated',
  path: '/v1.41/containers/create',
  apiVersion: '1.41',
  decision: 'denied',
  rules: ['privileged'],
  messages: ['no'],
  status: 403,
  durationMs: 1.5,
  ...overrides,
});

describe('AuditStore', () => {
  const open = () => new AuditStore(join(mkdtempSync(join(tmpdir(), 'audit-')), 'audit.db'));

  it('finds a record by request id and by filters, newest first, page by page', () => {
    const store = open();
    const ids = Array.from({ length: 5 }, (_, i) => {
      const r = record({ rules: [i % 2 ? 'privileged' : 'host-mount'], client: `10.0.0.${i}:1` });
      store.insert(r);
      return r.requestId;
    });
    store.insert(record({ decision: 'allowed', rules: [], status: 201, objectId: 'c0ffee1234', path: '/containers/create' }));
    expect(store.get(ids[2])).toMatchObject({ requestId: ids[2], rules: ['host-mount'], decision: 'denied' });
    expect(store.query({ rule: 'privileged', limit: 10 }).records.map((r) => r.requestId)).toEqual([ids[3], ids[1]]);
    expect(store.query({ client: '10.0.0.4', limit: 10 }).records.map((r) => r.requestId)).toEqual([ids[4]]);
    expect(store.query({ container: 'c0ffee', limit: 10 }).records).toHaveLength(1);
    const first = store.query({ decision: 'denied', limit: 3 });
    expect(first.records.map((r) => r.requestId)).toEqual([ids[4], ids[3], ids[2]]);
    const second = store.query({ decision: 'denied', limit: 3, cursor: first.nextCursor });
    expect(second.records.map((r) => r.requestId)).toEqual([ids[1], ids[0]]);
    expect(second.nextCursor).toBeUndefined();
  });

  it('removes records older than the retention and beyond the count', () => {
    const store = open();
    const old = record({ time: '2020-01-01T00:00:00.000Z' });
    store.insert(old);
    for (let i = 0; i < 5; i++) store.insert(record({}));
    expect(store.prune(30, 3)).toBe(3);
    expect(store.get(old.requestId)).toBeUndefined();
    expect(store.query({ limit: 10 }).records).toHaveLength(3);
  });
});

describe('AuditStore: dropped body fields', () => {
  it('keeps the body keys a request had dropped, and nothing for one without', () => {
    const store = new AuditStore(join(mkdtempSync(join(tmpdir(), 'audit-')), 'audit.db'));
    const dropped = record({ decision: 'allowed', rules: [], status: 200, path: '/exec/x/start', droppedFields: ['hijack', 'stdin'] });
    const plain = record({ decision: 'allowed', rules: [], status: 200 });
    store.insert(dropped);
    store.insert(plain);
    expect(store.get(dropped.requestId)).toMatchObject({ droppedFields: ['hijack', 'stdin'] });
    expect(store.get(plain.requestId)).not.toHaveProperty('droppedFields');
    store.close();
  });

  it('adds the column to a log written before it existed', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'audit-')), 'audit.db');
    const Database = require('better-sqlite3');
    const old = new Database(path);
    old.exec(`CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, request_id TEXT NOT NULL UNIQUE, client TEXT NOT NULL,
      method TEXT NOT NULL, route TEXT NOT NULL, route_class TEXT NOT NULL, path TEXT NOT NULL, api_version TEXT, decision TEXT NOT NULL,
      rules TEXT NOT NULL, messages TEXT NOT NULL, status INTEGER NOT NULL, object_id TEXT, duration_ms REAL NOT NULL)`);
    old.close();
    const store = new AuditStore(path);
    const r = record({ droppedFields: ['hijack'] });
    store.insert(r);
    expect(store.get(r.requestId)).toMatchObject({ droppedFields: ['hijack'] });
    store.close();
  });
});
