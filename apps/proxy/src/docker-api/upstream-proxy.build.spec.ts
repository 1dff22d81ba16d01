import { AllowedRequest, DockerPolicy, RESTRICTED, ROUTE_TABLE } from '@dind/policy';
import { DockerdSupervisor } from '@dind/daemon';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditStore } from '../audit/audit-store';
import { DialTargetChecker } from '../network/dial-target.checker';
import { DecisionRecord } from '../observability/decision-record';
import { DecisionRecorder } from '../observability/decision-recorder';
import { DindMetrics } from '../observability/dind-metrics';
import { contextOf } from './request-context';
import { UpstreamPool } from '../upstream/upstream-pool';
import { ClientLimits } from '../limits/client-limits';
import { BuildImageChecker } from './build-image.checker';
import { OwnershipChecker } from './ownership.checker';
import { DenialReporter } from './denial-reporter';
import { UpstreamProxy } from './upstream-proxy.service';
import { ImageLoadChecker } from './image-load/image-load.checker';
import { ImageNameLocks } from './image-name-locks';

/** A 512-byte ustar header. */
function header(name: string, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 'utf8');
  block.write('0000644\0', 100, 'latin1');
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  block.write('0', 156, 'latin1');
  block.write('ustar\0', 257, 'latin1');
  block.write('00', 263, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

function context(dockerfile: string): Buffer {
  const data = Buffer.from(dockerfile);
  const filler = Buffer.alloc(20_000, 7);
  return Buffer.concat([
    header('Dockerfile', data.length),
    data,
    Buffer.alloc((512 - (data.length % 512)) % 512),
    header('filler', filler.length),
    filler,
    Buffer.alloc((512 - (filler.length % 512)) % 512),
    Buffer.alloc(1024),
  ]);
}

describe('UpstreamProxy on POST /build', () => {
  let dir: string;
  let daemon: Server;
  let proxyServer: Server;
  let received: Buffer[];
  let daemonSawEnd: boolean;
  let respondEarly = false;
  const records: DecisionRecord[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'upstream-build-'));
    const socketPath = join(dir, 'daemon.sock');
    daemon = createServer((req, res) => {
      const chunks: Buffer[] = [];
      if (respondEarly) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"stream":"early"}\n');
      }
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        daemonSawEnd = true;
        received.push(Buffer.concat(chunks));
        if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"stream":"built"}\n');
      });
      req.on('close', () => received.push(Buffer.concat(chunks)));
    });
    await new Promise<void>((resolve) => daemon.listen(socketPath, resolve));
    const supervisor = { upstream: { socketPath }, state: 'ready', restarts: 0, startupSeconds: 1 } as unknown as DockerdSupervisor;
    const metrics = new DindMetrics(supervisor, RESTRICTED);
    const recorder = new DecisionRecorder(metrics, { insert: () => undefined } as unknown as AuditStore, false);
    jest.spyOn(recorder, 'record').mockImplementation((record) => void records.push(record));
    const policy = { policyOptions: RESTRICTED } as unknown as DockerPolicy;
    const pool = new UpstreamPool({ socketPath }, { maxSockets: 4, queueTimeoutMs: 1000 });
    const limits = new ClientLimits({ clientMaxConnections: 16, clientMaxStreams: 16, maxStreams: 16, clientMaxPooled: 4 });
    const upstream = new UpstreamProxy(supervisor, { maxJsonBodyBytes: 1024, bodyTimeoutMs: 5000 }, recorder, metrics, policy, new DialTargetChecker(), pool, limits, new DenialReporter(recorder), new BuildImageChecker(new OwnershipChecker(policy, supervisor)), {} as ImageLoadChecker, new ImageNameLocks());
    const route = ROUTE_TABLE.find((row) => row.method === 'POST' && row.template === '/build')!;
    proxyServer = createServer((req, res) => {
      const ctx = contextOf(req);
      // As the policy decides a classic build (its tests pin this part): the Dockerfile's name and the build args.
      const query = new URL(req.url ?? '/', 'http://docker').searchParams;
      const buildContext = { dockerfile: query.get('dockerfile') ?? undefined, buildArgs: JSON.parse(query.get('buildargs') ?? '{}') as Record<string, string | null> };
      ctx.decision = { allowed: true, route, apiVersion: '1.41', upstreamUrl: req.url ?? '/v1.41/build', buildContext } as unknown as AllowedRequest;
      try {
        upstream.forward(req, res, ctx);
      } catch (error) {
        // In the service DockerErrorFilter renders this; here: say what was thrown.
        res.writeHead(418).end((error as Error).message);
      }
    });
    await new Promise<void>((resolve) => proxyServer.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => proxyServer.close(resolve));
    await new Promise((resolve) => daemon.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    received = [];
    daemonSawEnd = false;
    respondEarly = false;
    records.length = 0;
  });

  const post = (path: string, body: Buffer) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: (proxyServer.address() as AddressInfo).port, method: 'POST', path, headers: { 'Content-Type': 'application/x-tar', 'Content-Length': body.length } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      // Two writes: the daemon side gets bytes before the decision.
      req.write(body.subarray(0, 10_000));
      setTimeout(() => req.end(body.subarray(10_000)), 20);
    });

  it('forwards an allowed context whole', async () => {
    const body = context('FROM busybox\n');
    const response = await post('/v1.41/build?t=x', body);
    expect(response).toEqual({ status: 200, body: '{"stream":"built"}\n' });
    expect(daemonSawEnd).toBe(true);
    expect(received[0].equals(body)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(records.map((r) => r.decision)).toEqual(['allowed']);
  });

  it('cuts the upstream request of a refused context before the daemon has it all, and answers 403', async () => {
    const body = context('FROM localhost:5000/x\n');
    const response = await post('/v1.41/build?t=x', body);
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body).message).toMatch(/^dind-service policy denied the request: Dockerfile:1 FROM="localhost:5000\/x": .* \(rule remote-address\) \[request id [0-9a-f]+\] \[client 127\.0\.0\.1\]$/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(daemonSawEnd).toBe(false);
    expect(Math.max(0, ...received.map((b) => b.length))).toBeLessThan(body.length - 1024);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ decision: 'denied', rules: ['remote-address'], route: '/build', status: 403 });
  });

  it('ends a response the daemon had already begun with an error line', async () => {
    respondEarly = true;
    const response = await post('/v1.41/build', context('FROM busybox\nADD http://169.254.169.254/ /x\n'));
    expect(response.status).toBe(200);
    const lines = response.body.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines[0]).toEqual({ stream: 'early' });
    const last = lines[lines.length - 1];
    expect(last.error).toMatch(/Dockerfile:2 ADD.*\(rule remote-address\)/);
    expect(last.errorDetail.message).toBe(last.error);
    expect(daemonSawEnd).toBe(false);
    expect(records.map((r) => r.decision)).toEqual(['denied']);
  });

  it('uses buildargs for FROM and the dockerfile parameter', async () => {
    const body = context('ARG R\nFROM ${R}/x\n');
    const args = encodeURIComponent(JSON.stringify({ R: '127.0.0.1:5000' }));
    const response = await post(`/v1.41/build?dockerfile=./Dockerfile&buildargs=${args}`, body);
    expect(response.status).toBe(403);
    expect(response.body).toContain('Dockerfile:2 FROM');
  });
});
