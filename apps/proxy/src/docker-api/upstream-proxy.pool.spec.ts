import { AllowedRequest, DockerPolicy, RESTRICTED, ROUTE_TABLE } from '@dind/policy';
import { DockerdSupervisor } from '@dind/daemon';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditStore } from '../audit/audit-store';
import { ClientLimits } from '../limits/client-limits';
import { DialTargetChecker } from '../network/dial-target.checker';
import { DecisionRecord } from '../observability/decision-record';
import { DecisionRecorder } from '../observability/decision-recorder';
import { DindMetrics } from '../observability/dind-metrics';
import { UpstreamPool } from '../upstream/upstream-pool';
import { contextOf } from './request-context';
import { BuildImageChecker } from './build-image.checker';
import { OwnershipChecker } from './ownership.checker';
import { DenialReporter } from './denial-reporter';
import { UpstreamProxy } from './upstream-proxy.service';
import { ImageLoadChecker } from './image-load/image-load.checker';
import { ImageNameLocks } from './image-name-locks';

// The forwarding path against a fake daemon that never answers `GET
// /containers/json`: what a client holds is released when it leaves, one
// client cannot take the whole pool, and a request that cannot get a pooled
// connection gets a 503 in bounded time instead of hanging.

const QUEUE_TIMEOUT_MS = 300;

describe('UpstreamProxy and the daemon connection pool', () => {
  let dir: string;
  let daemon: Server;
  let proxyServer: Server;
  let held: Array<{ req: IncomingMessage; res: ServerResponse }>;
  let upstreamClosed: number;
  let pool: UpstreamPool;
  const records: DecisionRecord[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'upstream-pool-'));
    const socketPath = join(dir, 'daemon.sock');
    daemon = createServer((req, res) => {
      held.push({ req, res });
      req.socket.once('close', () => upstreamClosed++);
    });
    await new Promise<void>((resolve) => daemon.listen(socketPath, resolve));
    const supervisor = { upstream: { socketPath }, state: 'ready', restarts: 0, startupSeconds: 1 } as unknown as DockerdSupervisor;
    pool = new UpstreamPool({ socketPath }, { maxSockets: 1, queueTimeoutMs: QUEUE_TIMEOUT_MS });
    const metrics = new DindMetrics(supervisor, RESTRICTED, pool);
    const recorder = new DecisionRecorder(metrics, { insert: () => undefined } as unknown as AuditStore, false);
    jest.spyOn(recorder, 'record').mockImplementation((record) => void records.push(record));
    const policy = { policyOptions: RESTRICTED } as unknown as DockerPolicy;
    const limits = new ClientLimits({ clientMaxConnections: 16, clientMaxStreams: 16, maxStreams: 16, clientMaxPooled: 1 });
    const upstream = new UpstreamProxy(supervisor, { maxJsonBodyBytes: 1024, bodyTimeoutMs: 5000 }, recorder, metrics, policy, new DialTargetChecker(), pool, limits, new DenialReporter(recorder), new BuildImageChecker(new OwnershipChecker(policy, supervisor)), {} as ImageLoadChecker, new ImageNameLocks());
    const route = ROUTE_TABLE.find((row) => row.method === 'GET' && row.template === '/containers/json')!;
    proxyServer = createServer((req, res) => {
      const ctx = contextOf(req);
      ctx.decision = { allowed: true, route, apiVersion: '1.41', upstreamUrl: '/v1.41/containers/json' } as unknown as AllowedRequest;
      upstream.forward(req, res, ctx);
    });
    await new Promise<void>((resolve) => proxyServer.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const { res } of held) res.destroy();
    pool.destroy();
    await new Promise((resolve) => proxyServer.close(resolve));
    await new Promise((resolve) => daemon.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    held = [];
    upstreamClosed = 0;
    records.length = 0;
  });

  /** A GET from a loopback address of its own: per-client limits tell clients apart by address. */
  const get = (localAddress: string) => {
    const req = request({ host: '127.0.0.1', port: (proxyServer.address() as AddressInfo).port, localAddress, path: '/v1.41/containers/json', agent: false });
    const response = new Promise<{ status: number; body: string; ms: number }>((resolve, reject) => {
      const started = Date.now();
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - started }));
      });
      req.on('error', reject);
    });
    req.end();
    // Tests cut some of these requests on purpose.
    response.catch(() => undefined);
    return { req, response };
  };
  const until = async (what: () => boolean) => {
    for (let i = 0; i < 100 && !what(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(what()).toBe(true);
  };

  it('answers 503 naming the pool when no pooled connection frees up in time, and counts it', async () => {
    const first = get('127.0.0.2');
    await until(() => held.length === 1);
    const second = await get('127.0.0.3').response;
    expect(second.status).toBe(503);
    expect(JSON.parse(second.body).message).toMatch(
      /^dind-service policy denied the request: no daemon connection became free within 300 ms \(all 1 of UPSTREAM_MAX_SOCKETS in use\) \(rule limit\.upstream-pool\) \[request id [0-9a-f]+\] \[client 127\.0\.0\.3\]$/,
    );
    expect(second.ms).toBeGreaterThanOrEqual(QUEUE_TIMEOUT_MS - 20);
    expect(second.ms).toBeLessThan(QUEUE_TIMEOUT_MS + 1000);
    expect(records.map((r) => [r.decision, r.rules, r.status])).toEqual([['denied', ['limit.upstream-pool'], 503]]);
    expect(pool.queueLength).toBe(0);
    first.req.destroy();
    await until(() => upstreamClosed === 1);
  });

  it('carries a client past its share of the pool on a connection of its own, so the pool stays free', async () => {
    const first = get('127.0.0.2');
    const second = get('127.0.0.2');
    await until(() => held.length === 2);
    expect(pool.inUse).toBe(1);
    expect(pool.streams).toBe(1);
    for (const request of [first, second]) request.req.destroy();
    await until(() => upstreamClosed === 2);
    expect(pool.inUse).toBe(0);
    expect(pool.streams).toBe(0);
  });

  it('releases the daemon connection when the client leaves while the daemon has not answered', async () => {
    const pending = get('127.0.0.4');
    await until(() => held.length === 1);
    pending.req.destroy();
    await until(() => upstreamClosed === 1);
    expect(pool.inUse).toBe(0);
    await until(() => records.length === 1);
    expect(records[0]).toMatchObject({ decision: 'allowed', status: 0 });
  });

  it('releases the daemon connection when the client leaves while the answer streams', async () => {
    const streaming = get('127.0.0.5');
    await until(() => held.length === 1);
    held[0].res.writeHead(200, { 'Content-Type': 'application/json' });
    held[0].res.write('[');
    await new Promise((resolve) => setTimeout(resolve, 50));
    streaming.req.destroy();
    await until(() => upstreamClosed === 1);
    expect(pool.inUse).toBe(0);
  });
});
