import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, ClientRequest, createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PoolExhaustedError, UpstreamPool } from './upstream-pool';

const QUEUE_TIMEOUT_MS = 150;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * A fake daemon on a unix socket: `/hold` answers only when the test lets it,
 * `/_ping` answers as `ping` says, anything else answers at once.
 */
describe('UpstreamPool', () => {
  let dir: string;
  let socketPath: string;
  let daemon: Server;
  let held: ServerResponse[];
  /** Request paths the daemon received. */
  let seen: string[];
  let ping: 'answer' | 'silent' | 'fail';
  /** Daemon-side connections, in the order they were opened. */
  let connections: Socket[];
  let pool: UpstreamPool;
  /** What each test sent, so that teardown can wait for it. */
  let sent: Sent[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'upstream-pool-'));
    socketPath = join(dir, 'daemon.sock');
    daemon = createServer((req, res) => {
      seen.push(req.url ?? '');
      if (req.url === '/hold') return void held.push(res);
      if (req.url === '/_ping') {
        if (ping === 'silent') return;
        res.writeHead(ping === 'answer' ? 200 : 500, { 'Api-Version': '1.47', 'Content-Type': 'text/plain' });
        return void res.end(ping === 'answer' ? 'OK' : 'down');
      }
      res.end(`answered ${req.url}`);
    });
    daemon.on('connection', (socket: Socket) => connections.push(socket));
    await new Promise<void>((resolve) => daemon.listen(socketPath, resolve));
  });

  beforeEach(() => {
    held = [];
    seen = [];
    sent = [];
    ping = 'answer';
    connections = [];
    pool = new UpstreamPool({ socketPath }, { maxSockets: 2, queueTimeoutMs: QUEUE_TIMEOUT_MS });
  });

  // Everything a test sent settles before its pool goes: a request still queued
  // in a destroyed agent would open a connection during the next test.
  afterEach(async () => {
    for (const res of held) res.end();
    await Promise.all(sent.map((s) => s.done));
    pool.destroy();
    daemon.closeAllConnections();
  });

  afterAll(async () => {
    await new Promise((resolve) => daemon.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  interface Sent {
    readonly req: ClientRequest;
    readonly done: Promise<{ status: number; body: string } | Error>;
  }

  const send = (path: string, agent: Agent, bounded = true): Sent => {
    let req!: ClientRequest;
    const done = new Promise<{ status: number; body: string } | Error>((resolve) => {
      req = request({ socketPath, path, agent }, (res: IncomingMessage) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', resolve);
      req.end();
      if (bounded) pool.bound(req, resolve);
    });
    sent.push({ req, done });
    return { req, done };
  };

  /** Both pooled connections carry a `/hold` the daemon has not answered. */
  const exhaust = async (): Promise<Sent[]> => {
    const holds = [send('/hold', pool.shortAgent), send('/hold', pool.shortAgent)];
    await until(() => held.length === 2, 'the daemon to hold two requests');
    return holds;
  };

  describe('short requests', () => {
    it('refuse a request that waited past queueTimeoutMs with PoolExhaustedError naming UPSTREAM_MAX_SOCKETS at the deadline, and never send it', async () => {
      await exhaust();
      const started = Date.now();
      const third = send('/short', pool.shortAgent);
      // Told at the deadline, while every pooled connection is still taken.
      const outcome = await third.done;
      expect(Date.now() - started).toBeLessThan(QUEUE_TIMEOUT_MS * 3);
      expect(held.length).toBe(2);
      // A connection that frees up after the deadline must not carry it.
      held[0].end('released');
      expect(outcome).toBeInstanceOf(PoolExhaustedError);
      const error = outcome as PoolExhaustedError;
      expect(error.message).toContain('UPSTREAM_MAX_SOCKETS');
      expect(error.message).toContain(`within ${QUEUE_TIMEOUT_MS} ms`);
      expect(error.maxSockets).toBe(2);
      expect(pool.queueLength).toBe(0);
      await sleep(20);
      expect(seen).toEqual(['/hold', '/hold']);
    });

    it('report the wait while it lasts, and nothing once the request has a connection', async () => {
      expect([pool.inUse, pool.queueLength, pool.oldestWaitMs]).toEqual([0, 0, 0]);
      const holds = await exhaust();
      expect(pool.inUse).toBe(2);
      const third = send('/short', pool.shortAgent);
      await sleep(QUEUE_TIMEOUT_MS / 2);
      expect(pool.queueLength).toBe(1);
      expect(pool.oldestWaitMs).toBeGreaterThanOrEqual(QUEUE_TIMEOUT_MS / 2 - 5);
      expect(pool.oldestWaitMs).toBeLessThan(QUEUE_TIMEOUT_MS);
      expect(pool.inUse).toBe(2);
      held[0].end('released');
      expect(await holds[0].done).toEqual({ status: 200, body: 'released' });
      // Past the deadline: the request had its connection in time and is not cut.
      await sleep(QUEUE_TIMEOUT_MS);
      expect(await third.done).toEqual({ status: 200, body: 'answered /short' });
      expect([pool.queueLength, pool.oldestWaitMs]).toEqual([0, 0]);
      held[1].end();
      await until(() => pool.inUse === 0, 'the pooled connections to be free');
      // Over the kept-alive connection the first hold had: no third connection.
      expect(connections).toHaveLength(2);
    });

    it('are not held to the deadline once they have a connection (a slow daemon answer is not a pool wait)', async () => {
      const slow = send('/hold', pool.shortAgent);
      await until(() => held.length === 1, 'the daemon to hold the request');
      await sleep(QUEUE_TIMEOUT_MS * 1.5);
      held[0].end('late');
      expect(await slow.done).toEqual({ status: 200, body: 'late' });
    });

    it('keep their connection alive for the next short request', async () => {
      expect(await send('/a', pool.shortAgent).done).toEqual({ status: 200, body: 'answered /a' });
      expect(await send('/b', pool.shortAgent).done).toEqual({ status: 200, body: 'answered /b' });
      expect(connections).toHaveLength(1);
      expect(connections[0].destroyed).toBe(false);
      expect(pool.inUse).toBe(0);
    });
  });

  describe('stream connections', () => {
    it('are counted in streams, not in the pool, and do not wait for it', async () => {
      await exhaust();
      const stream = send('/hold', pool.streamAgent, false);
      await until(() => held.length === 3, 'the daemon to hold the stream');
      expect(pool.streams).toBe(1);
      expect(pool.inUse).toBe(2);
      held[2].end('streamed');
      expect(await stream.done).toEqual({ status: 200, body: 'streamed' });
    });

    it('close with their response instead of being kept alive', async () => {
      const stream = send('/hold', pool.streamAgent, false);
      await until(() => held.length === 1, 'the daemon to hold the stream');
      const daemonSide = connections[0];
      held[0].end('done');
      await stream.done;
      await until(() => daemonSide.destroyed, 'the daemon side of the stream to close', 1000);
      await until(() => pool.streams === 0, 'the stream agent to let go');
      // The next stream opens a connection of its own.
      const next = send('/x', pool.streamAgent, false);
      await next.done;
      expect(connections).toHaveLength(2);
    });
  });

  describe('canary', () => {
    it('answers ok with the API version when the daemon answers /_ping', async () => {
      expect(await pool.canary(500)).toEqual({ ok: true, apiVersion: '1.47' });
    });

    it('answers not ok with the status when the daemon answers /_ping with an error', async () => {
      ping = 'fail';
      expect(await pool.canary(500)).toEqual({ ok: false, error: 'status 500' });
    });

    it('answers not ok naming the pool when every pooled connection is taken', async () => {
      await exhaust();
      const answer = await pool.canary(100);
      expect(answer.ok).toBe(false);
      expect(answer.error).toContain('no pooled daemon connection became free');
      expect(answer.error).toContain('2 in use');
      expect(answer.error).toContain('within 100 ms');
    });

    it('answers not ok when the daemon does not answer in time', async () => {
      ping = 'silent';
      const since = performance.now();
      const answer = await pool.canary(100);
      expect(performance.now() - since).toBeGreaterThanOrEqual(95);
      expect(answer.ok).toBe(false);
      expect(answer.error).toContain('the daemon did not answer within 100 ms');
      expect(answer.error).not.toContain('pooled');
    });

    it('answers not ok when nothing listens on the daemon socket', async () => {
      const nowhere = new UpstreamPool({ socketPath: join(dir, 'absent.sock') }, { maxSockets: 2, queueTimeoutMs: QUEUE_TIMEOUT_MS });
      try {
        const answer = await nowhere.canary(500);
        expect(answer.ok).toBe(false);
        expect(answer.error).toMatch(/^forwarding path: .*ENOENT/);
      } finally {
        nowhere.destroy();
      }
    });
  });
});
