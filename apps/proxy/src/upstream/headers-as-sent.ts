import type { HeaderValue } from '@dind/policy';
import type { IncomingMessage } from 'node:http';

/**
 * The request's headers as sent: every line of a repeated header kept (an
 * array). The policy judges these and the upstream framing forwards these, so
 * both see the same lines. Node's req.headers keeps only the first Content-Type
 * and joins other repeats, so the policy could not see that a header the daemon
 * reads once was sent twice (nor could BuildKit's one-method-per-line session
 * headers be forwarded). Names are lower-cased; the daemon's Go server
 * canonicalises them anyway.
 */
export function headersAsSent(req: IncomingMessage): Readonly<Record<string, HeaderValue>> {
  // No prototype: a header named __proto__ is just a header.
  const headers = Object.create(null) as Record<string, string | string[]>;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const seen = headers[name];
    headers[name] = seen === undefined ? raw[i + 1] : Array.isArray(seen) ? [...seen, raw[i + 1]] : [seen, raw[i + 1]];
  }
  return headers;
}
