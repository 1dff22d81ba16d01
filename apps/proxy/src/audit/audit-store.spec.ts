import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecisionRecord } from '../observability/decision-record';
import { MAX_AUDIT_MESSAGE, MAX_AUDIT_PATH } from './audit-bounds';
import { AuditStore, QUERY_SCAN_WINDOW } from './audit-store';

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

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const dbOf = (store: AuditStore) => (store as unknown as { db: Database.Database }).db;
const newPath = () => join(mkdtempSync(join(tmpdir(), 'audit-')), 'data', 'audit.db');

describe('AuditStore', () => {
  const open = () => new AuditStore(newPath());

  it('finds a record by request id and by filters, newest first, page by page', () => {
    const store = open();
    const ids = Array.from({ length: 5 }, (_, i) => {
      const r = record({ rules: [i % 2 ? 'privileged' : 'host-mount'], client: `10.0.0.${i}:1` });
      store.insert(r);
      return r.requestId;
    });
    store.insert(record({ decision: 'allowed', rules: [], status: 201, objectId: 'c0ffee1234', path: '/containers/create' }));
    expect(store.get(ids[2])).toMatchObject({ requestId: ids[2], rules: ['host-mount'], decision: 'denied', truncated: false });
    expect(store.query({ rule: 'privileged', limit: 10 }).records.map((r) => r.requestId)).toEqual([ids[3], ids[1]]);
    expect(store.query({ client: '10.0.0.4', limit: 10 }).records.map((r) => r.requestId)).toEqual([ids[4]]);
    expect(store.query({ container: 'c0ffee', limit: 10 }).records).toHaveLength(1);
    const first = store.query({ decision: 'denied', limit: 3 });
    expect(first.records.map((r) => r.requestId)).toEqual([ids[4], ids[3], ids[2]]);
    const second = store.query({ decision: 'denied', limit: 3, cursor: first.nextCursor });
    expect(second.records.map((r) => r.requestId)).toEqual([ids[1], ids[0]]);
    expect(second.nextCursor).toBeUndefined();
  });

  it('finds a TLS client by its CN, by its certificate names and by its address (client=)', () => {
    const store = open();
    const runner = record({ client: 'CN=runner-7,DNS:runner-7.ci@10.0.0.9:4711' });
    const other = record({ client: 'CN=runner-70@10.0.0.9:4712' });
    store.insert(runner);
    store.insert(other);
    for (const name of ['CN=runner-7', 'CN=runner-7,DNS:runner-7.ci', 'CN=runner-7,DNS:runner-7.ci@10.0.0.9']) {
      expect(store.query({ client: name, limit: 10 }).records.map((r) => r.requestId)).toEqual([runner.requestId]);
    }
    expect(store.query({ client: 'CN=runner-70', limit: 10 }).records.map((r) => r.requestId)).toEqual([other.requestId]);
    expect(store.query({ client: 'CN=runner-', limit: 10 }).records).toEqual([]);
  });

  it('removes records older than the retention and beyond the count', async () => {
    const store = open();
    const old = record({ time: '2020-01-01T00:00:00.000Z' });
    store.insert(old);
    for (let i = 0; i < 5; i++) store.insert(record({}));
    await expect(store.prune(30, 3)).resolves.toBe(3);
    expect(store.get(old.requestId)).toBeUndefined();
    expect(store.query({ limit: 10 }).records).toHaveLength(3);
  });

  it('completes an admitted record in place: one row per request, final fields win', () => {
    const store = open();
    const admitted = record({ decision: 'allowed', rules: [], status: 0, phase: 'admitted', routeClass: 'hijacked' });
    store.insert(admitted);
    expect(store.get(admitted.requestId)).toMatchObject({ phase: 'admitted', status: 0 });
    store.insert({ ...admitted, status: 101, phase: 'final', durationMs: 900 });
    expect(store.query({ limit: 10 }).records).toHaveLength(1);
    expect(store.get(admitted.requestId)).toMatchObject({ phase: 'final', status: 101, durationMs: 900 });
  });

  describe('stored fields are bounded; the hash of the whole identifies the request', () => {
    it.each([
      ['a 15 KB query string', { path: `/v1.41/containers/json?filters=${'x'.repeat(15_000)}` }],
      ['a 20 KB message', { messages: ['ok', `denied ${'y'.repeat(20_000)}`] }],
    ])('%s is cut, flagged and hashed', (_name, overrides: Partial<DecisionRecord>) => {
      const store = open();
      const full = record(overrides);
      store.insert(full);
      const row = store.get(full.requestId)!;
      expect(row.truncated).toBe(true);
      expect(row.path.length).toBeLessThanOrEqual(MAX_AUDIT_PATH + 1);
      for (const message of row.messages) expect(message.length).toBeLessThanOrEqual(MAX_AUDIT_MESSAGE + 1);
      if (overrides.path) expect(row.pathSha256).toBe(sha256(full.path));
      if (overrides.messages) expect(row.messagesSha256).toBe(sha256(JSON.stringify(full.messages)));
      expect(row.messages[0]).toBe(full.messages[0]);
    });

    it('a path within the bound is stored whole, without hashes', () => {
      const store = open();
      const full = record({ path: `/v1.41/containers/${'a'.repeat(MAX_AUDIT_PATH - 18)}` });
      store.insert(full);
      expect(store.get(full.requestId)).toMatchObject({ path: full.path, truncated: false, pathSha256: undefined });
    });
  });

  it('retention by bytes: the oldest go until the records fit, and the file shrinks', async () => {
    const path = newPath();
    const store = new AuditStore(path);
    const ids: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const r = record({ path: `/v1.41/volumes/create?x=${'v'.repeat(900)}${i}` });
      store.insert(r);
      ids.push(r.requestId);
    }
    const maxBytes = 1024 * 1024;
    expect(store.usedBytes()).toBeGreaterThan(3 * maxBytes);
    const removed = await store.prune(90, 1_000_000, maxBytes);
    expect(removed).toBeGreaterThan(2000);
    expect(store.usedBytes()).toBeLessThanOrEqual(maxBytes);
    expect(statSync(path).size).toBeLessThanOrEqual(maxBytes + 64 * 1024);
    expect(store.get(ids[ids.length - 1])).toBeDefined();
    expect(store.get(ids[0])).toBeUndefined();
  });

  it('an audit.db of an older release (no auto_vacuum, fewer columns) is switched and upgraded in place', async () => {
    const path = newPath();
    new AuditStore(path).close();
    const legacy = new Database(path);
    legacy.exec('DROP TABLE audit; DROP TABLE audit_probe; PRAGMA auto_vacuum = NONE; VACUUM;');
    legacy.exec(`CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, request_id TEXT NOT NULL UNIQUE, client TEXT NOT NULL,
      method TEXT NOT NULL, route TEXT NOT NULL, route_class TEXT NOT NULL, path TEXT NOT NULL, api_version TEXT, decision TEXT NOT NULL,
      rules TEXT NOT NULL, messages TEXT NOT NULL, status INTEGER NOT NULL, object_id TEXT, duration_ms REAL NOT NULL)`);
    legacy.prepare(`INSERT INTO audit (time, request_id, client, method, route, route_class, path, decision, rules, messages, status, duration_ms)
      VALUES ('2030-01-01T00:00:00.000Z', 'old-one', 'c', 'POST', '/x', 'validated', '/x', 'denied', '[]', '[]', 403, 1)`).run();
    expect(legacy.pragma('auto_vacuum', { simple: true })).toBe(0);
    legacy.close();
    const store = new AuditStore(path);
    expect(dbOf(store).pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(store.get('old-one')).toMatchObject({ phase: 'final', truncated: false, status: 403 });
  });

  describe('filters match literal text: LIKE wildcards in them are escaped', () => {
    it.each([
      ['client', '10.0.0.%', { client: '10.0.0.7:1' }],
      ['client', '10_0_0_7', { client: '10.0.0.7:1' }],
      ['container', '%', { objectId: 'c0ffee' }],
      ['container', '_', { path: '/v1.41/containers/c0ffee/start' }],
      ['container', 'c0ffee\\_', { objectId: 'c0ffee\\x' }],
    ] as const)('%s=%s matches nothing but itself', (filter, value, overrides) => {
      const store = open();
      store.insert(record(overrides));
      expect(store.query({ [filter]: value, limit: 10 }).records).toHaveLength(0);
      const literal = record(filter === 'client' ? { client: `${value}:1` } : { objectId: `${value}abc` });
      store.insert(literal);
      expect(store.query({ [filter]: value, limit: 10 }).records.map((r) => r.requestId)).toEqual([literal.requestId]);
    });
  });

  it(`a page examines at most ${QUERY_SCAN_WINDOW} records and says where to go on`, () => {
    const store = open();
    const db = dbOf(store);
    const insert = db.prepare(`INSERT INTO audit (time, request_id, client, method, route, route_class, path, decision, rules, messages, status, duration_ms)
      VALUES ('2030-01-01T00:00:00.000Z', ?, 'c', 'POST', '/x', 'validated', '/x', 'denied', '["r"]', '[]', 403, 1)`);
    db.transaction(() => {
      for (let i = 0; i < QUERY_SCAN_WINDOW + 10; i++) insert.run(`id-${i}`);
    })();
    const match = record({ rules: ['rare'] });
    db.prepare('UPDATE audit SET rules = \'["rare"]\' WHERE request_id = ?').run('id-3');
    const first = store.query({ rule: 'rare', limit: 10 });
    expect(first.records).toHaveLength(0);
    expect(first.nextCursor).toBe(11);
    const second = store.query({ rule: 'rare', limit: 10, cursor: first.nextCursor });
    expect(second.records.map((r) => r.requestId)).toEqual(['id-3']);
    expect(second.nextCursor).toBeUndefined();
    expect(match).toBeDefined();
  });

  describe('files are private', () => {
    it('a new audit.db, its WAL and shared memory are 0600, the directory 0700', () => {
      const path = newPath();
      const store = new AuditStore(path);
      store.insert(record({}));
      for (const file of [path, `${path}-wal`, `${path}-shm`]) {
        expect(existsSync(file)).toBe(true);
        expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
      }
      expect((statSync(join(path, '..')).mode & 0o777).toString(8)).toBe('700');
    });

    it('files an older release left 0644 (and its directory 0755) are tightened', () => {
      const dir = mkdtempSync(join(tmpdir(), 'audit-'));
      const path = join(dir, 'audit.db');
      new AuditStore(path).close();
      chmodSync(dir, 0o755);
      chmodSync(path, 0o644);
      writeFileSync(`${path}-wal`, '', { mode: 0o644 });
      chmodSync(`${path}-wal`, 0o644);
      const store = new AuditStore(path);
      expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
      expect((statSync(`${path}-wal`).mode & 0o777).toString(8)).toBe('600');
      expect((statSync(dir).mode & 0o777).toString(8)).toBe('700');
      store.close();
    });
  });

  describe('a database that cannot be written never ends the process', () => {
    it('prune on a read-only database resolves, logs and reports the failure', async () => {
      const store = open();
      store.insert(record({ time: '2020-01-01T00:00:00.000Z' }));
      const failures: Error[] = [];
      store.onPruneFailure((error) => failures.push(error));
      dbOf(store).pragma('query_only = ON');
      await expect(store.prune(30, 1_000_000, 1024 * 1024)).resolves.toBe(0);
      expect(failures.map((e) => e.message)).toEqual([expect.stringMatching(/readonly|read-only/i)]);
    });

    it('insert on a full database throws (for the recorder to count), and the store works again once there is room', () => {
      const store = open();
      const db = dbOf(store);
      db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
      expect(() => {
        for (let i = 0; i < 1000; i++) store.insert(record({ path: `/v1.41/volumes/create?${'z'.repeat(900)}` }));
      }).toThrow(/full/);
      expect(store.headroomBytes()).toBeLessThan(8192);
      db.pragma('max_page_count = 1073741823');
      expect(() => store.insert(record({}))).not.toThrow();
    });
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
