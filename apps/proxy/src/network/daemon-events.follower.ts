import { Logger } from '@nestjs/common';
import { UpstreamAddress } from '@dind/daemon';
import { ClientRequest, request } from 'node:http';

export interface DaemonEvent {
  readonly Type?: string;
  readonly Action?: string;
  readonly Actor?: { readonly ID?: string };
}

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;

/**
 * Follows the daemon's event stream for some event types, on the service's own
 * account, and reconnects when it ends (a daemon restart). `onFollowing` is
 * called each time the stream is (re)established: events may have been missed
 * while it was down.
 */
export class DaemonEventsFollower {
  private readonly logger = new Logger('daemon-events');
  private current?: ClientRequest;
  private retryMs = RETRY_FIRST_MS;
  private retryTimer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly upstream: () => UpstreamAddress,
    private readonly types: readonly string[],
    private readonly onEvent: (event: DaemonEvent) => void,
    private readonly onFollowing: () => void,
  ) {}

  start(): void {
    this.running = true;
    this.follow();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.retryTimer);
    this.current?.destroy();
  }

  private follow(): void {
    const filters = encodeURIComponent(JSON.stringify({ type: this.types }));
    const req = request({ ...this.upstream(), path: `/events?filters=${filters}`, method: 'GET', agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return;
      }
      this.retryMs = RETRY_FIRST_MS;
      this.onFollowing();
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        let newline: number;
        while ((newline = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          if (line.trim()) this.deliver(line);
        }
      });
    });
    this.current = req;
    req.on('error', () => undefined);
    req.on('close', () => this.retry());
    req.end();
  }

  private deliver(line: string): void {
    try {
      this.onEvent(JSON.parse(line) as DaemonEvent);
    } catch (error) {
      this.logger.debug(`unreadable event: ${(error as Error).message}`);
    }
  }

  private retry(): void {
    if (!this.running) return;
    this.retryTimer = setTimeout(() => this.follow(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }
}
