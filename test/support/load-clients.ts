import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, Socket } from 'node:net';
import { sampleValue } from './metrics-text';

/** What a service process holds: open files, resident memory, daemon connections. */
export interface HeldResources {
  readonly fds: number;
  readonly rssMb: number;
  /** Established unix-socket connections: a sidecar has no unix listener, so these all go to the daemon. */
  readonly daemonConnections: number;
}

export function heldResources(pid: number): HeldResources {
  const fds = readdirSync(`/proc/${pid}/fd`).length;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  const sockets = execFileSync('ss', ['-xpn', 'state', 'established'], { encoding: 'utf8' });
  const daemonConnections = sockets.split('\n').filter((line) => line.includes(`pid=${pid},`)).length;
  return { fds, rssMb: Math.round(rssKb / 1024), daemonConnections };
}

/** Requests the service is carrying to the daemon now, as its metrics say. */
export async function inFlight(adminUrl: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  return (
    sampleValue(text, 'dind_upstream_pool_sockets_in_use', {}) +
    sampleValue(text, 'dind_upstream_streams_open', {}) +
    sampleValue(text, 'dind_hijacked_streams_open', {})
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A raw client connection from a loopback address of its own (127.0.0.0/8),
 * so that per-client limits count it apart from the test's other clients.
 */
export function rawClient(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress, allowHalfOpen: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Collects what arrives on a socket until the service closes its side (or the deadline). */
export function readUntilClose(socket: Socket, timeoutMs: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    const timer = setTimeout(() => resolve({ text, closed: false }), timeoutMs);
    const closed = () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    };
    // 'end': the service's FIN (a half-open client sees no 'close' by itself).
    socket.once('end', closed);
    socket.once('close', closed);
  });
}

/** Resolves when the first bytes of a response arrive on `socket`. */
export function firstBytes(socket: Socket, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer')), timeoutMs);
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(chunk.toString('latin1'));
    });
  });
}

/** `GET /_ping` on a fresh connection with a deadline; true when it answered OK. */
export function pingThrough(port: number, timeoutMs: number, localAddress = '127.0.0.9'): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, localAddress, path: '/_ping', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Samples readiness and a real forwarding attempt side by side while a phase
 * runs, to tell whether /ready said "not ready" exactly when forwarding failed.
 */
export class ReadinessSampler {
  readonly samples: Array<{ ready: boolean; forwarded: boolean }> = [];
  private running = true;
  private loop?: Promise<void>;

  constructor(
    private readonly adminUrl: string,
    private readonly apiPort: number,
    private readonly timeoutMs: number,
  ) {}

  start(): this {
    this.loop = (async () => {
      while (this.running) {
        // Both probes get the same time: a forward that took longer than the
        // service's own readiness timeout but answered is slow, not failed.
        const [ready, forwarded] = await Promise.all([
          fetch(`${this.adminUrl}/ready`, { signal: AbortSignal.timeout(this.timeoutMs * 2) }).then((r) => r.status === 200, () => false),
          pingThrough(this.apiPort, this.timeoutMs * 2),
        ]);
        this.samples.push({ ready, forwarded });
        await sleep(200);
      }
    })();
    return this;
  }

  async stop(): Promise<this> {
    this.running = false;
    await this.loop;
    return this;
  }

  /**
   * Samples where readiness and forwarding disagreed, leaving out those next to
   * a change of either: a probe can straddle the moment forwarding stops or resumes.
   */
  disagreements(): number {
    return this.samples.filter((s, i) => {
      if (s.ready === s.forwarded) return false;
      const neighbours = [this.samples[i - 1], this.samples[i + 1]].filter(Boolean);
      return !neighbours.some((n) => n.forwarded !== s.forwarded || n.ready !== s.ready);
    }).length;
  }
}
