import { DockerdSupervisor } from '@dind/daemon';
import { DockerPolicy, RESTRICTED } from '@dind/policy';
import { ExecutionContext } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, Server as HttpServer } from 'node:http';
import { AddressInfo, connect, createServer as createNetServer, Server as NetServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditStore } from '../audit/audit-store';
import { ClientLimits } from '../limits/client-limits';
import { DialTargetChecker } from '../network/dial-target.checker';
import { DecisionRecorder } from '../observability/decision-recorder';
import { DindMetrics } from '../observability/dind-metrics';
import { UpstreamPool } from '../upstream/upstream-pool';
import { ContainerReferenceChecker } from './container-reference.checker';
import { ContainerCountChecker } from './container-count.checker';
import { NetworkReferenceChecker } from './network-reference.checker';
import { OwnershipChecker } from './ownership.checker';
import { BuildImageChecker } from './build-image.checker';
import { VolumeReferenceChecker } from './volume-reference.checker';
import { AdmissionGate } from './admission-gate';
import { DaemonSideChecks } from './daemon-side.checks';
import { DenialReporter } from './denial-reporter';
import { DockerApiOptions } from './docker-api.tokens';
import { DockerPolicyGuard } from './docker-policy.guard';
import { HijackHandler } from './hijack.handler';
import { PolicyDeniedError } from './policy-denied.error';
import { contextOf } from './request-context';
import { UpstreamProxy } from './upstream-proxy.service';
import { ImageLoadChecker } from './image-load/image-load.checker';
import { ImageNameLocks } from './image-name-locks';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

type HeaderList = Array<[string, string]>;

interface ParsedHead {
  readonly startLine: string;
  readonly headers: HeaderList;
  /** Bytes after the blank line. */
  readonly rest: Buffer;
}

function parseHead(bytes: Buffer): ParsedHead | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [startLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers = lines.map((line): [string, string] => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]);
  return { startLine, headers, rest: bytes.subarray(end + 4) };
}

const header = (headers: HeaderList, name: string) => headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);

/** What the daemon saw on one connection. */
interface Received {
  requestLine: string;
  headers: HeaderList;
  body: Buffer;
  upgrade: boolean;
  /** Every byte of the connection, in order. */
  raw: Buffer;
  /** Bytes past the request that had arrived when the daemon answered. */
  beyondRequestAtAnswer?: Buffer;
  /** Bytes that arrived after the daemon answered. */
  afterAnswer: Buffer;
}

/**
 * A fake daemon on a unix socket that keeps every byte it receives. A plain
 * request gets a 200; an upgrade request gets, after `delayMs`, either a 101
 * (and then "daemon-output") or a 404.
 */
class FakeDaemon {
  readonly received: Received[] = [];
  delayMs = 0;
  upgradeAnswer: 'switch' | 'not-found' = 'switch';
  private readonly server: NetServer;
  private readonly sockets = new Set<Socket>();

  constructor(readonly socketPath: string) {
    this.server = createNetServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.socketPath, resolve));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  reset(): void {
    this.received.length = 0;
    this.delayMs = 0;
    this.upgradeAnswer = 'switch';
    for (const socket of this.sockets) socket.destroy();
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let raw = Buffer.alloc(0);
    let record: Received | undefined;
    let answered = false;
    let requestLength = 0;
    socket.on('data', (chunk: Buffer) => {
      raw = Buffer.concat([raw, chunk]);
      if (record) {
        record.raw = raw;
        if (answered) record.afterAnswer = Buffer.concat([record.afterAnswer, chunk]);
        return;
      }
      const head = parseHead(raw);
      if (!head) return;
      const length = Number(header(head.headers, 'content-length')[0] ?? 0);
      if (head.rest.length < length) return;
      requestLength = raw.length - head.rest.length + length;
      record = {
        requestLine: head.startLine,
        headers: head.headers,
        body: head.rest.subarray(0, length),
        upgrade: header(head.headers, 'upgrade').length > 0,
        raw,
        afterAnswer: Buffer.alloc(0),
      };
      this.received.push(record);
      const answer = () => {
        const seen = record!;
        seen.beyondRequestAtAnswer = raw.subarray(requestLength);
        answered = true;
        if (!seen.upgrade) {
          socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok');
        } else if (this.upgradeAnswer === 'switch') {
          socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
          socket.write('daemon-output');
        } else {
          const body = '{"message":"No such exec instance: abc123"}';
          socket.write(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        }
      };
      if (this.delayMs > 0) setTimeout(answer, this.delayMs);
      else answer();
    });
  }
}

/** A raw client: writes what the test says, keeps every byte it is sent. */
class RawClient {
  received = Buffer.alloc(0);
  ended = false;
  readonly socket: Socket;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
    this.socket.on('error', () => undefined);
    this.socket.once('end', () => (this.ended = true));
  }

  write(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  get head(): ParsedHead | undefined {
    return parseHead(this.received);
  }
}

const EXEC_START = '/v1.41/exec/abc123/start';

/** The same request, once plain and once as an upgrade (as the docker CLI sends exec start). */
function execStart(body: string | undefined, upgrade: boolean): string {
  const lines = [`POST ${EXEC_START} HTTP/1.1`, 'Host: docker', 'User-Agent: Docker-Client/28.0.0 (linux)', 'X-Trace: parity'];
  if (body !== undefined) lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  if (upgrade) lines.push('Connection: Upgrade', 'Upgrade: tcp');
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

/** Header list without the hop's Connection/Upgrade, names folded, in a stable order. */
const endToEndHeaders = (headers: HeaderList) =>
  headers
    .filter(([name]) => !['connection', 'upgrade'].includes(name.toLowerCase()))
    .map(([name, value]) => `${name.toLowerCase()}: ${value}`)
    .sort();

describe('the daemon sees the same request on the HTTP path and the upgrade path', () => {
  let dir: string;
  let daemon: FakeDaemon;
  let proxy: HttpServer;
  let port: number;
  let pool: UpstreamPool;
  const clients: RawClient[] = [];
  /** The proxy's side of every client connection. */
  const accepted = new Set<Socket>();
  let limits: ClientLimits;
  const policy = new DockerPolicy({ daemonApiVersion: () => '1.41', policy: RESTRICTED });
  const options: DockerApiOptions = { maxJsonBodyBytes: 64 * 1024, bodyTimeoutMs: 2000, halfClosedProbeMs: 100 };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'upstream-parity-'));
    daemon = new FakeDaemon(join(dir, 'daemon.sock'));
    await daemon.listen();
    const supervisor = { upstream: { socketPath: daemon.socketPath }, state: 'ready', apiVersion: '1.41', restarts: 0, startupSeconds: 1 } as unknown as DockerdSupervisor;
    const metrics = new DindMetrics(supervisor, RESTRICTED);
    const recorder = new DecisionRecorder(metrics, { insert: () => undefined } as unknown as AuditStore, false);
    const dialTargets = new DialTargetChecker();
    const ownership = new OwnershipChecker(policy, supervisor);
    const daemonSide = new DaemonSideChecks(policy, dialTargets, new ContainerReferenceChecker(policy, supervisor), new ContainerCountChecker(policy, supervisor), new VolumeReferenceChecker(policy, supervisor), new NetworkReferenceChecker(policy, supervisor), ownership);
    limits = new ClientLimits({ clientMaxConnections: 64, clientMaxStreams: 64, maxStreams: 64, clientMaxPooled: 64 });
    pool = new UpstreamPool({ socketPath: daemon.socketPath }, { maxSockets: 4, queueTimeoutMs: 1000 });
    const reporter = new DenialReporter(recorder);
    const gate = new AdmissionGate(policy, supervisor, daemonSide, reporter);
    const guard = new DockerPolicyGuard(gate, options);
    const upstream = new UpstreamProxy(supervisor, options, recorder, metrics, policy, dialTargets, pool, limits, reporter, new BuildImageChecker(ownership), {} as ImageLoadChecker, new ImageNameLocks());
    const hijack = new HijackHandler(gate, reporter, options, supervisor, recorder, metrics, limits);

    // The HTTP path as Nest runs it: the guard decides, then the controller forwards.
    proxy = createHttpServer((req, res) => {
      const request = Object.assign(req, { originalUrl: req.url });
      const executionContext = { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
      guard
        .canActivate(executionContext)
        .then(() => upstream.forward(req, res, contextOf(req)))
        .catch((error: Error) => {
          // In the service DockerErrorFilter renders this; here: say what was refused.
          const status = error instanceof PolicyDeniedError ? error.denial.status : 500;
          res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: error.message }));
        });
    });
    // The upgrade path as ApiListeners wires it.
    proxy.on('upgrade', (req, socket: Socket, head: Buffer) => void hijack.handle(req, socket, head).catch(() => socket.destroy()));
    proxy.on('connection', (socket: Socket) => {
      accepted.add(socket);
      socket.once('close', () => accepted.delete(socket));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    port = (proxy.address() as AddressInfo).port;
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.socket.destroy();
    // Hijacked sockets leave the HTTP server's bookkeeping: closeAllConnections does not reach them.
    for (const socket of accepted) socket.destroy();
    daemon.reset();
  });

  afterAll(async () => {
    await new Promise((resolve) => proxy.close(resolve));
    pool.destroy();
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (): RawClient => {
    const opened = new RawClient(port);
    clients.push(opened);
    return opened;
  };

  /** Sends one request and returns what the daemon received for it. */
  const through = async (bytes: string): Promise<{ received: Received; answer: ParsedHead }> => {
    const before = daemon.received.length;
    const sender = client();
    sender.write(bytes);
    await until(() => daemon.received.length > before, 'the daemon to receive the request');
    await until(() => sender.head !== undefined, 'the answer to reach the client');
    return { received: daemon.received[before], answer: sender.head! };
  };

  /** The canonical body the policy forwards for `body`: what the daemon must get on either path. */
  const canonical = (body: string | undefined): Buffer => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json' };
    const decision = policy.decide({ method: 'POST', url: EXEC_START, headers, body: body === undefined ? undefined : Buffer.from(body) });
    if (!decision.allowed) throw new Error(decision.denial.reason);
    return decision.body ?? Buffer.alloc(0);
  };

  it.each<[string, string | undefined]>([
    ['a canonical body', '{"Detach":false,"Tty":false}'],
    ['keys in another order, with whitespace', '{ "Tty" : false ,\n  "Detach": false }\n'],
    ['a literal null', 'null'],
    ['no body', undefined],
  ])('for %s: same request line, body bytes and headers but Connection/Upgrade', async (_, body) => {
    const plain = await through(execStart(body, false));
    const upgraded = await through(execStart(body, true));
    expect(plain.answer.startLine).toBe('HTTP/1.1 200 OK');
    expect(upgraded.answer.startLine).toBe('HTTP/1.1 101 UPGRADED');
    expect(plain.received.upgrade).toBe(false);
    expect(upgraded.received.upgrade).toBe(true);

    expect(upgraded.received.requestLine).toBe(plain.received.requestLine);
    expect(plain.received.requestLine).toBe(`POST ${EXEC_START} HTTP/1.1`);
    expect(upgraded.received.body.equals(plain.received.body)).toBe(true);
    expect(plain.received.body.equals(canonical(body))).toBe(true);
    expect(endToEndHeaders(upgraded.received.headers)).toEqual(endToEndHeaders(plain.received.headers));
    // The framing is the canonical body's own, on both paths.
    for (const received of [plain.received, upgraded.received]) {
      expect(header(received.headers, 'content-length')).toEqual([String(received.body.length)]);
      expect(header(received.headers, 'transfer-encoding')).toEqual([]);
      expect(header(received.headers, 'x-trace')).toEqual(['parity']);
    }
  });

  it('sends the canonical bytes, not the client spelling', async () => {
    const { received } = await through(execStart('{ "Tty" : false ,\n  "Detach": false }\n', true));
    expect(JSON.parse(received.body.toString())).toEqual({ Tty: false, Detach: false });
    expect(received.body.toString()).not.toMatch(/\s/);
  });

  it('sends a literal null body as an empty body with Content-Length 0 on both paths', async () => {
    for (const upgrade of [false, true]) {
      const { received } = await through(execStart('null', upgrade));
      expect(received.body.length).toBe(0);
      expect(header(received.headers, 'content-length')).toEqual(['0']);
      expect(header(received.headers, 'content-type')).toEqual([]);
    }
  });

  describe('on the upgrade path', () => {
    it.each([
      ['in the same write as the request', true],
      ['in a write of its own while the daemon has not answered', false],
    ])('keeps stream bytes the client sends %s from the daemon until it switched protocols', async (_, sameWrite) => {
      daemon.delayMs = 200;
      const sender = client();
      const request = execStart('{"Detach":false,"Tty":false}', true);
      if (sameWrite) {
        sender.write(`${request}early-stdin`);
      } else {
        sender.write(request);
        await until(() => daemon.received.length === 1, 'the daemon to receive the request');
        sender.write('early-stdin');
      }
      await until(() => daemon.received[0]?.beyondRequestAtAnswer !== undefined, 'the daemon to answer', 2000);
      const received = daemon.received[0];
      expect(received.beyondRequestAtAnswer!.toString()).toBe('');
      await until(() => received.afterAnswer.toString() === 'early-stdin', 'the stream bytes to reach the daemon after its 101');
      // The splice carries both ways once open.
      await until(() => sender.received.includes('daemon-output'), 'the daemon output to reach the client');
      expect(sender.head!.startLine).toBe('HTTP/1.1 101 UPGRADED');
      sender.write('more-stdin');
      await until(() => received.afterAnswer.toString() === 'early-stdinmore-stdin', 'later stream bytes to reach the daemon');
    });

    it.each([
      ['in the same write as the first', true],
      ['while the daemon has not answered', false],
    ])('relays a non-101 answer with Connection: close, closes, and never sends a request pipelined %s', async (_, sameWrite) => {
      daemon.upgradeAnswer = 'not-found';
      daemon.delayMs = 100;
      const sender = client();
      const first = execStart('{"Detach":false,"Tty":false}', true);
      const second = 'GET /v1.41/containers/json HTTP/1.1\r\nHost: docker\r\n\r\n';
      if (sameWrite) {
        sender.write(first + second);
      } else {
        sender.write(first);
        await until(() => daemon.received.length === 1, 'the daemon to receive the request');
        sender.write(second);
      }
      await until(() => sender.ended, 'the proxy to end the connection', 2000);
      const head = sender.head!;
      expect(head.startLine).toBe('HTTP/1.1 404 Not Found');
      expect(header(head.headers, 'connection')).toEqual(['close']);
      expect(header(head.headers, 'content-type')).toEqual(['application/json']);
      expect(head.rest.toString()).toBe('{"message":"No such exec instance: abc123"}');
      // Only one response: nothing answered the pipelined request.
      expect(sender.received.toString().match(/HTTP\/1\.1 /g)).toHaveLength(1);
      await sleep(50);
      expect(daemon.received).toHaveLength(1);
      expect(daemon.received[0].requestLine).toBe(`POST ${EXEC_START} HTTP/1.1`);
      expect(daemon.received[0].raw.toString()).not.toContain('containers/json');
    });

    it('keeps a stream whose client only ended its input, and releases it once that client has gone (its connection reset)', async () => {
      const sender = client();
      sender.write(execStart('{"Detach":false,"Tty":false}', true));
      await until(() => sender.received.includes('daemon-output'), 'the splice to open');
      // A FIN: stdin EOF (docker run -i < file) or a client that has gone; the proxy cannot tell which.
      sender.socket.end();
      await sleep(300);
      expect(limits.openStreams).toBe(1);
      // The daemon stays silent, so nothing is written that would hear of the reset but the probe.
      sender.socket.resetAndDestroy();
      await until(() => limits.openStreams === 0, 'the stream slot to be released', 3000);
      await until(() => accepted.size === 0, 'the proxy to close its side', 2000);
    });

    it('releases the connection and the stream slot of a declined upgrade whose client sent more while it waited', async () => {
      daemon.upgradeAnswer = 'not-found';
      daemon.delayMs = 100;
      const sender = client();
      sender.write(execStart('{"Detach":false,"Tty":false}', true));
      await until(() => daemon.received.length === 1, 'the daemon to receive the request');
      sender.write('x');
      await until(() => sender.ended, 'the proxy to end the connection', 2000);
      sender.socket.end();
      await until(() => accepted.size === 0, 'the proxy to close its side', 2000);
      expect(limits.openStreams).toBe(0);
    });
  });
});
