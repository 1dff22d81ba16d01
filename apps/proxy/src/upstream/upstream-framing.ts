import { AllowedRequest } from '@dind/policy';
import { IncomingHttpHeaders, IncomingMessage } from 'node:http';

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
  const headers = headersAsSent(req.rawHeaders);
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

/**
 * Every line of a repeated header, as sent: Node joins repeats into one value in
 * req.headers, and the daemon reads some as lists (BuildKit's session headers
 * name one gRPC method each). Names are lower-cased; the daemon's Go server
 * canonicalises them anyway.
 */
function headersAsSent(rawHeaders: readonly string[]): IncomingHttpHeaders {
  // No prototype: a header named __proto__ is just a header.
  const headers = Object.create(null) as Record<string, string | string[]>;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    const seen = headers[name];
    headers[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return headers;
}
