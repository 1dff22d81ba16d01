import type { HeaderValue } from '@dind/policy';
import type { IncomingMessage } from 'node:http';

/**
 * The request's headers as the daemon will receive them: every line of a
 * repeated header kept (an array), because the upstream framing forwards each
 * line as sent. Node's req.headers keeps only the first Content-Type and joins
 * other repeats, so the policy could not see that a header the daemon reads
 * once was sent twice.
 */
export function policyHeaders(req: IncomingMessage): Readonly<Record<string, HeaderValue>> {
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
