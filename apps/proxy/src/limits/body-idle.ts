import { IncomingMessage } from 'node:http';
import { LimitRefusal } from './client-limits';

export function bodyTimeoutRefusal(timeoutMs: number): LimitRefusal {
  return { limit: 'body-timeout', status: 408, message: `the request body did not arrive in time (limit BODY_TIMEOUT_MS=${timeoutMs} ms)` };
}

/**
 * Calls `onStall` when a request body that is still arriving goes `timeoutMs`
 * without a byte while the proxy is reading it. Time the proxy itself holds the
 * body back (the daemon is slow to take it: the stream is paused) is not the
 * client's, and does not count.
 */
export function watchBodyIdle(req: IncomingMessage, timeoutMs: number, onStall: () => void): void {
  if (req.complete || !hasBody(req)) return;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (req.complete || req.destroyed) return;
      if (req.readableFlowing === false) return arm();
      onStall();
    }, timeoutMs);
    timer.unref();
  };
  const stop = () => clearTimeout(timer);
  req.on('data', arm);
  req.once('end', stop);
  req.once('close', stop);
  arm();
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
