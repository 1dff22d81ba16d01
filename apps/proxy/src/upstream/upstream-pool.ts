import { UpstreamAddress } from '@dind/daemon';
import { Agent, ClientRequest, request } from 'node:http';

export interface UpstreamPoolOptions {
  /** Kept-alive connections for short requests. */
  readonly maxSockets: number;
  /** How long a short request may wait for one of them. */
  readonly queueTimeoutMs: number;
}

/** An idle pooled connection is closed after this long; the daemon keeps idle ones open indefinitely. */
const FREE_SOCKET_TIMEOUT_MS = 30_000;

export class PoolExhaustedError extends Error {
  constructor(readonly maxSockets: number, readonly waitedMs: number) {
    super(`no daemon connection became free within ${waitedMs} ms (all ${maxSockets} of UPSTREAM_MAX_SOCKETS in use)`);
  }
}

/**
 * The service's connections to the daemon, in two kinds:
 * - short requests share a bounded pool of kept-alive connections, and wait for
 *   one at most `queueTimeoutMs`;
 * - long-lived ones (follow streams, transfers, builds, hijacks) get a
 *   connection of their own that closes with them, so they can never take the
 *   connections that `docker ps` needs. Their number is bounded by the stream
 *   limits (ClientLimits), not here.
 */
export class UpstreamPool {
  readonly shortAgent: Agent;
  readonly streamAgent = new Agent({ keepAlive: false });
  private readonly waiting = new Map<ClientRequest, number>();
  private creating?: (upstreamRequest: ClientRequest) => void;

  constructor(
    readonly address: UpstreamAddress,
    private readonly options: UpstreamPoolOptions,
  ) {
    // Every pooled connection stays open while idle (up to FREE_SOCKET_TIMEOUT_MS): with
    // fewer kept than are busy at a time, each burst closed and reopened the difference,
    // and connecting cost more than the requests (a profile at 32 connections).
    this.shortAgent = new Agent({ keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets, timeout: FREE_SOCKET_TIMEOUT_MS });
    for (const agent of [this.shortAgent, this.streamAgent]) this.announceRequests(agent);
  }

  private announceRequests(agent: Agent): void {
    const withRequests = agent as unknown as { addRequest(req: ClientRequest, options: unknown): void };
    const add = withRequests.addRequest.bind(agent);
    withRequests.addRequest = (req, options) => {
      const onRequest = this.creating;
      this.creating = undefined;
      onRequest?.(req);
      add(req, options);
    };
  }

  /**
   * Bounds the wait of a short request for a pooled connection: past the
   * deadline the request leaves the queue and `onExhausted` is told, so that its
   * owner answers 503. (Destroying a queued request alone tells nobody: Node
   * reports it only once a socket frees up, which may be never.)
   */
  bound(upstreamRequest: ClientRequest, onExhausted: (error: PoolExhaustedError) => void): void {
    if (upstreamRequest.socket) return;
    const since = performance.now();
    this.waiting.set(upstreamRequest, since);
    const timer = setTimeout(() => {
      settle();
      this.abandon(upstreamRequest);
      onExhausted(new PoolExhaustedError(this.options.maxSockets, this.options.queueTimeoutMs));
    }, this.options.queueTimeoutMs);
    const settle = () => {
      clearTimeout(timer);
      this.waiting.delete(upstreamRequest);
    };
    upstreamRequest.once('socket', settle);
    upstreamRequest.once('close', settle);
  }

  /**
   * Runs `send`, which creates one request on one of the pool's agents
   * synchronously (http-proxy's web()), and hands that request to `onRequest`
   * the moment it exists. http-proxy only shows it once it has a connection,
   * and a request still queued for one must be cut and timed out too.
   */
  capture(onRequest: (upstreamRequest: ClientRequest) => void, send: () => void): void {
    this.creating = onRequest;
    try {
      send();
    } finally {
      this.creating = undefined;
    }
  }

  /** Ends an upstream request wherever it is: queued for a connection, or on one. */
  abandon(upstreamRequest: ClientRequest): void {
    this.leaveQueue(upstreamRequest);
    upstreamRequest.destroy();
  }

  private leaveQueue(upstreamRequest: ClientRequest): void {
    const queues = this.shortAgent.requests as Record<string, unknown[] | undefined>;
    for (const [name, queue] of Object.entries(queues)) {
      const index = queue?.indexOf(upstreamRequest) ?? -1;
      if (index < 0) continue;
      queue!.splice(index, 1);
      // Node's agent takes an existing queue to be non-empty.
      if (queue!.length === 0) delete queues[name];
    }
  }

  /** Pooled connections carrying a request now. */
  get inUse(): number {
    return countSockets(this.shortAgent.sockets);
  }

  /** Open connections of the long-lived kind. */
  get streams(): number {
    return countSockets(this.streamAgent.sockets);
  }

  get queueLength(): number {
    return this.waiting.size;
  }

  get oldestWaitMs(): number {
    let oldest = 0;
    const now = performance.now();
    for (const since of this.waiting.values()) oldest = Math.max(oldest, now - since);
    return oldest;
  }

  /**
   * `GET /_ping` through the pool that plain requests use, with a deadline: the
   * readiness probe sees what a client would see, pool exhaustion included.
   */
  canary(timeoutMs: number): Promise<{ ok: boolean; apiVersion?: string; error?: string }> {
    return new Promise((resolve) => {
      const req = request({ ...this.address, agent: this.shortAgent, path: '/_ping', method: 'GET' }, (res) => {
        res.resume();
        res.once('end', () => {
          clearTimeout(timer);
          const apiVersion = res.headers['api-version'];
          resolve(res.statusCode === 200 ? { ok: true, apiVersion: typeof apiVersion === 'string' ? apiVersion : undefined } : { ok: false, error: `status ${res.statusCode}` });
        });
      });
      const timer = setTimeout(() => {
        req.destroy();
        const detail = req.socket ? 'the daemon did not answer' : `no pooled daemon connection became free (${this.inUse} in use, ${this.queueLength} waiting)`;
        resolve({ ok: false, error: `forwarding path: ${detail} within ${timeoutMs} ms` });
      }, timeoutMs);
      req.on('error', (error) => {
        clearTimeout(timer);
        resolve({ ok: false, error: `forwarding path: ${error.message}` });
      });
      req.end();
    });
  }

  destroy(): void {
    this.shortAgent.destroy();
    this.streamAgent.destroy();
  }
}

function countSockets(sockets: NodeJS.ReadOnlyDict<unknown[]>): number {
  let count = 0;
  for (const list of Object.values(sockets)) count += list?.length ?? 0;
  return count;
}
