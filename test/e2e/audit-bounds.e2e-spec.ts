import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AuditStore } from '../../apps/proxy/src/audit/audit-store';
import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { messageOf, rawRequest } from '../support/raw-http';
import { SidecarInstance, startSidecarInstance } from '../support/sidecar-instance';

// The audit log's bounds against the real service: a full disk under
// AUDIT_STRICT refuses what it cannot record (judged by what the daemon holds),
// does not stop start-up, and a running exec session is on record.

const state = e2eState();
const cli = state.clis[state.clis.length - 1];
const daemonSocket = { socketPath: join(state.runDir, 'docker.sock') };
const auth = { Authorization: `Bearer ${state.adminToken}` };
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * A DATA_DIR on a 2 MiB tmpfs holding an audit.db of records past their
 * retention, then filled to the last byte: the start-up prune must delete
 * (and cannot), and no record fits. Needs root (mount), as the e2e run has.
 */
function fullDataDir(): string {
  const dir = mkdtempSync(join(state.baseDir, 'full-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', dir]);
  const store = new AuditStore(join(dir, 'audit.db'));
  for (let i = 0; i < 300; i++) {
    store.insert({
      time: '2020-01-01T00:00:00.000Z', requestId: `old-${i}`, client: '10.0.0.1:1', method: 'POST', route: '/volumes/create',
      routeClass: 'validated', path: '/v1.41/volumes/create', decision: 'allowed', rules: [], messages: [], status: 201, durationMs: 1,
    });
  }
  store.close();
  const filler = openSync(join(dir, 'filler'), 'w');
  const block = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(filler, block);
  } catch {
    // ENOSPC: the volume is full.
  }
  closeSync(filler);
  // Room for SQLite's 32 KiB shared-memory file and one page of WAL, not for
  // the WAL frames of a delete or an insert: "database or disk is full", the
  // error that used to end start-up.
  truncateSync(join(dir, 'filler'), statSync(join(dir, 'filler')).size - 36 * 1024);
  return dir;
}

describe('the audit log on a full disk, AUDIT_STRICT=true', () => {
  let dataDir: string;
  let sidecar: SidecarInstance;

  beforeAll(async () => {
    dataDir = fullDataDir();
    sidecar = await startSidecarInstance(state, 'audit-full', 'name: e2e-audit-full\n', { DATA_DIR: dataDir, AUDIT_STRICT: 'true', AUDIT_RETENTION_DAYS: '1' });
  });
  afterAll(async () => {
    await sidecar?.stop();
    if (dataDir) execFileSync('umount', ['-l', dataDir]);
  });

  it('starts and serves: the start-up prune fails on the full database, is logged, and is not fatal', async () => {
    expect(sidecar.log()).toMatch(/audit-prune-failed.*database or disk is full/);
    const version = await docker(cli, sidecar.tcpHost, ['version', '--format', '{{.Server.APIVersion}}']);
    expect(text(version)).toMatch(/^1\.\d+$/);
    expect(process.kill(sidecar.pid, 0)).toBe(true);
  });

  it('refuses POST /volumes/create with a Docker-style 503 naming the reason; the daemon never gets the volume', async () => {
    const name = unique('unrecorded');
    const response = await rawRequest({ port: sidecar.apiPort }, 'POST', '/v1.41/volumes/create', {
      body: JSON.stringify({ Name: name }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(response.status).toBe(503);
    expect(messageOf(response)).toMatch(/audit log cannot record this request \(.*full.*\), and AUDIT_STRICT refuses .* \(rule audit\.unavailable\) \[request id [0-9a-f]+\]/);
    expect((await rawRequest(daemonSocket, 'GET', `/v1.41/volumes/${name}`)).status).toBe(404);

    const viaCli = await docker(cli, sidecar.tcpHost, ['volume', 'create', unique('cli')]);
    expect(viaCli.code).not.toBe(0);
    expect(viaCli.stderr).toMatch(/Error response from daemon: .*audit log cannot record this request/);
  });

  it('is not ready while the audit log cannot take records', async () => {
    await rawRequest({ port: sidecar.apiPort }, 'POST', '/v1.41/volumes/create', { body: '{}', headers: { 'Content-Type': 'application/json' } });
    const ready = await fetch(`${sidecar.adminUrl}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/audit writes are failing/);
  });

  it('audit.db stays 0600 in a 0700 directory', () => {
    expect((statSync(join(dataDir, 'audit.db')).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(dataDir).mode & 0o777).toString(8)).toBe('700');
  });
});

describe('a hijacked exec session is on record while it runs', () => {
  it('GET /audit shows the exec start as admitted during the session, then completed', async () => {
    const name = unique('exec-audit');
    const started = await docker(cli, state.tcpHost, ['run', '-d', '--name', name, state.image, 'sleep', '120']);
    expect(started.code).toBe(0);
    try {
      const since = new Date(Date.now() - 1000).toISOString();
      const session = spawn(cli, ['exec', name, 'sleep', '6'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', DOCKER_HOST: state.tcpHost } });
      const ended = new Promise<number | null>((resolve) => session.on('close', resolve));
      const find = async () => {
        const page = (await (await fetch(`${state.adminUrl}/audit?route=${encodeURIComponent('/exec/{id}/start')}&since=${since}&limit=10`, { headers: auth })).json()) as {
          records: Array<{ phase: string; status: number; routeClass: string; requestId: string }>;
        };
        return page.records;
      };
      let running: Awaited<ReturnType<typeof find>> = [];
      const deadline = Date.now() + 4000;
      while (running.length === 0 && Date.now() < deadline) {
        running = (await find()).filter((r) => r.phase === 'admitted');
        if (running.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(running).toEqual([expect.objectContaining({ phase: 'admitted', status: 0, routeClass: 'hijacked' })]);
      expect(await ended).toBe(0);
      const after = await (await fetch(`${state.adminUrl}/audit/${running[0].requestId}`, { headers: auth })).json();
      expect(after).toMatchObject({ phase: 'final', status: 101 });
    } finally {
      await rawRequest(daemonSocket, 'DELETE', `/v1.41/containers/${name}?force=1`);
    }
  });
});

describe('GET /audit refuses what it cannot answer', () => {
  it.each([
    ['a repeated parameter', '?client=10.0.0.1&client=10.0.0.2', /filter client is given 2 times/],
    ['a bad limit', '?limit=abc', /limit must be 1-1000/],
  ])('%s is a 400 with a message, not a 500', async (_name, query, message) => {
    const response = await fetch(`${state.adminUrl}/audit${query}`, { headers: auth });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(message);
  });

  it('% in the client filter matches no client', async () => {
    const page = (await (await fetch(`${state.adminUrl}/audit?client=${encodeURIComponent('%')}&limit=5`, { headers: auth })).json()) as { records: unknown[] };
    expect(page.records).toEqual([]);
  });
});
