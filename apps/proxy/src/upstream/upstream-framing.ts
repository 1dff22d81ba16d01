import { AllowedRequest } from '@dind/policy';
import { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { headersAsSent } from './headers-as-sent';

/** What the daemon is sent for an admitted request, whichever transport carries it. */
export interface UpstreamFraming {
  readonly method: string;
  /** The checked, re-encoded path and query. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /**
   * A validated route's body: the canonical JSON, or empty when the client sent
   * none (or a literal null). Undefined: the client's body streams through.
   */
  readonly body?: Buffer;
}

const EMPTY = Buffer.alloc(0);

/**
 * The one place that decides the request line, headers and body the daemon
 * receives. The plain HTTP proxy and the upgrade splice both send exactly this,
 * so a request cannot be framed one way on one path and another way on the
 * other (a stale Content-Length next to a replaced body would make the daemon
 * read the client's next bytes as the body).
 */
export function upstreamFraming(req: IncomingMessage, decision: AllowedRequest): UpstreamFraming {
  // A fresh object each time: the framing may rewrite it.
  const headers = headersAsSent(req) as IncomingHttpHeaders;
  // Our own server answered the client's 100-continue already; the daemon is
  // sent the body without waiting for one.
  delete headers.expect;
  if (decision.route.body !== 'json') return { method: req.method ?? 'GET', path: decision.upstreamUrl, headers };
  const body = decision.body ?? EMPTY;
  delete headers['transfer-encoding'];
  delete headers['content-type'];
  delete headers['content-encoding'];
  headers['content-length'] = String(body.length);
  if (body.length > 0) headers['content-type'] = 'application/json';
  return { method: req.method ?? 'GET', path: decision.upstreamUrl, headers, body };
}
