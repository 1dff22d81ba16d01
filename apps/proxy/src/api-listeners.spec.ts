import { DockerdSupervisor } from '@dind/daemon';
import { RESTRICTED } from '@dind/policy';
import { IncomingMessage, ServerResponse } from 'node:http';
import { connect, Socket } from 'node:net';
import { ApiListeners } from './api-listeners';
import { HijackHandler } from './docker-api/hijack.handler';
import { ClientLimits } from './limits/client-limits';
import { DindMetrics } from './observability/dind-metrics';

// The listeners' own guards, before any request reaches the application: the
// per-client connection limit, the header deadline and the header size.

describe('ApiListeners', () => {
  let listeners: ApiListeners;
  let port: number;
  const reached: string[] = [];
  const upgraded: string[] = [];
  let metrics: DindMetrics;

  beforeAll(async () => {
    const supervisor = { state: 'ready', restarts: 0 } as unknown as DockerdSupervisor;
    metrics = new DindMetrics(supervisor, RESTRICTED);
    const app = (req: IncomingMessage, res: ServerResponse) => {
      reached.push(`${req.method} ${req.url}`);
      res.end('app');
    };
    const hijack = {
      handle: async (req: IncomingMessage, socket: Socket) => {
        upgraded.push(`${req.method} ${req.url}`);
        socket.end('HTTP/1.1 101 UPGRADED\r\n\r\n');
      },
      destroyAll: () => undefined,
    } as unknown as HijackHandler;
    const limits = new ClientLimits({ clientMaxConnections: 1, clientMaxStreams: 4, maxStreams: 4, clientMaxPooled: 4 });
    listeners = new ApiListeners(app, hijack, () => undefined, { limits, metrics, headersTimeoutMs: 1000, maxHeaderBytes: 8192 });
    port = 20000 + Math.floor(Math.random() * 20000);
    await listeners.listen({ port, host: '127.0.0.1', socketMode: 0o660 });
  });

  afterAll(() => listeners.close(100));
  beforeEach(() => {
    reached.length = 0;
    upgraded.length = 0;
  });

  const open = (localAddress = '127.0.0.1') =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(socket));
      socket.once('error', reject);
    });
  const answer = (socket: Socket, timeoutMs = 4000) =>
    new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.once('close', () => resolve(text));
      setTimeout(() => resolve(text), timeoutMs);
    });
  const refusals = async (limit: string) => ((await metrics.registry.getSingleMetric('dind_limit_refusals_total')?.get())?.values ?? []).find((v) => v.labels.limit === limit)?.value ?? 0;

  it.each([
    ['a request', 'POST /v1.41/containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}', reached],
    ['an upgrade', 'POST /v1.41/exec/x/start HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n', upgraded],
  ])('answers %s on a connection over CLIENT_MAX_CONNECTIONS with 429 and never lets it reach the application', async (_, request, log) => {
    const before = await refusals('client-connections');
    const first = await open();
    const second = await open();
    second.write(request);
    const text = await answer(second);
    expect(text).toMatch(/^HTTP\/1\.1 429 Too Many Requests\r\n/);
    expect(text).toContain('"message":"dind-service: too many connections from 127.0.0.1: at most 1 at once (limit CLIENT_MAX_CONNECTIONS)"');
    expect(log).toEqual([]);
    expect(await refusals('client-connections')).toBe(before + 1);
    // Another client is unaffected, and so is the first connection.
    const other = await open('127.0.0.2');
    other.write('GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(await answer(other)).toMatch(/^HTTP\/1\.1 200 OK/);
    first.write('GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(await answer(first)).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(reached).toEqual(['GET /_ping', 'GET /_ping']);
  });

  it('frees a client slot when its connection closes', async () => {
    const first = await open();
    first.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = await open();
    next.write('GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(await answer(next)).toMatch(/^HTTP\/1\.1 200 OK/);
  });

  it('cuts a client that sends its head too slowly with a 408 naming HEADERS_TIMEOUT_MS', async () => {
    const slow = await open('127.0.0.3');
    slow.write('GET /_ping HTTP/1.1\r\n');
    const text = await answer(slow, 5000);
    expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(text).toContain('limit HEADERS_TIMEOUT_MS');
    expect(reached).toEqual([]);
  });

  it('refuses a head larger than MAX_HEADER_BYTES with a 431', async () => {
    const big = await open('127.0.0.4');
    big.write(`GET /_ping HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`);
    const text = await answer(big);
    expect(text).toMatch(/^HTTP\/1\.1 431 /);
    expect(text).toContain('limit MAX_HEADER_BYTES');
    expect(reached).toEqual([]);
  });
});
