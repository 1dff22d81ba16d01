import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESTRICTED } from '@dind/policy';
import { DockerdSupervisor } from '@dind/daemon';
import { AuditStore } from '../audit/audit-store';
import { DecisionRecord } from './decision-record';
import { AUDIT_RECOVERY_HEADROOM_BYTES, DecisionRecorder } from './decision-recorder';
import { DindMetrics } from './dind-metrics';

const supervisor = { state: 'ready', restarts: 0, startupSeconds: 1 } as unknown as DockerdSupervisor;
const record = (overrides: Partial<DecisionRecord> = {}): DecisionRecord => ({
  time: new Date().toISOString(),
  requestId: Math.random().toString(16).slice(2),
  client: '127.0.0.1:5000',
  method: 'POST',
  route: '/volumes/create',
  routeClass: 'validated',
  path: `/v1.41/volumes/create?${'q'.repeat(900)}`,
  apiVersion: '1.41',
  decision: 'allowed',
  rules: [],
  messages: [],
  status: 0,
  durationMs: 1,
  ...overrides,
});

function setup(strict: boolean) {
  const store = new AuditStore(join(mkdtempSync(join(tmpdir(), 'recorder-')), 'audit.db'));
  const db = (store as unknown as { db: Database.Database }).db;
  const metrics = new DindMetrics(supervisor, RESTRICTED);
  const recorder = new DecisionRecorder(metrics, store, false);
  recorder.strict = strict;
  const fill = () => {
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    for (let i = 0; i < 1000; i++) recorder.record(record({ decision: 'denied', status: 403 }));
  };
  const failures = async () => (await metrics.registry.getSingleMetric('dind_audit_write_failures_total')!.get()).values[0].value;
  return { store, db, metrics, recorder, fill, failures };
}

describe('DecisionRecorder', () => {
  describe('admission: a request is on record before the daemon sees it', () => {
    it.each([
      ['a state-changing request', record({ method: 'POST' })],
      ['a hijacked GET session (websocket attach)', record({ method: 'GET', routeClass: 'hijacked', route: '/containers/{id}/attach/ws' })],
    ])('%s is admitted, then completed in place', (_name, admitted) => {
      const { store, recorder } = setup(false);
      expect(recorder.admit(admitted)).toBeUndefined();
      expect(store.get(admitted.requestId)).toMatchObject({ phase: 'admitted', status: 0 });
      recorder.record({ ...admitted, status: 101 });
      expect(store.get(admitted.requestId)).toMatchObject({ phase: 'final', status: 101 });
    });

    it('a plain GET is neither admitted nor recorded', () => {
      const { store, recorder } = setup(true);
      const read = record({ method: 'GET', route: '/containers/json', routeClass: 'passthrough' });
      expect(recorder.admit(read)).toBeUndefined();
      recorder.record({ ...read, status: 200 });
      expect(store.get(read.requestId)).toBeUndefined();
    });
  });

  describe('a database that cannot take the record', () => {
    it('AUDIT_STRICT: a state-changing request is refused with a 503 that names the reason', async () => {
      const { recorder, fill, failures } = setup(true);
      fill();
      const refusal = recorder.admit(record());
      expect(refusal).toMatchObject({ status: 503, rule: 'audit.unavailable', reason: expect.stringMatching(/database or disk is full.*AUDIT_STRICT/) });
      expect(recorder.auditHealthy).toBe(false);
      expect(await failures()).toBeGreaterThan(0);
    });

    it('without AUDIT_STRICT: forwarded, but the failure is counted and readiness would know', async () => {
      const { recorder, fill, failures } = setup(false);
      fill();
      const before = await failures();
      expect(recorder.admit(record())).toBeUndefined();
      expect(await failures()).toBe(before + 1);
      expect(recorder.auditHealthy).toBe(false);
    });

    it('stays unhealthy while one small record fits but the database has no room to grow', () => {
      const { recorder, db, fill } = setup(true);
      fill();
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages + 8}`);
      expect(recorder.admit(record({ path: '/v1.41/volumes/create' }))).toBeUndefined();
      expect(recorder.auditHealthy).toBe(false);
    });

    it(`is healthy again once a write succeeds with ${AUDIT_RECOVERY_HEADROOM_BYTES / 1048576} MiB to spare, found by its own probe with no traffic`, () => {
      const { recorder, db, fill } = setup(true);
      fill();
      expect(recorder.auditHealthy).toBe(false);
      db.pragma('max_page_count = 1073741823');
      (recorder as unknown as { probedAt: number }).probedAt = 0;
      expect(recorder.auditHealthy).toBe(true);
    });
  });

  it('a prune failure is counted in dind_audit_prune_failures_total', async () => {
    const { store, db, metrics } = setup(false);
    db.pragma('query_only = ON');
    await store.prune(1, 100, 1024 * 1024);
    expect((await metrics.registry.getSingleMetric('dind_audit_prune_failures_total')!.get()).values[0].value).toBe(1);
  });
});
