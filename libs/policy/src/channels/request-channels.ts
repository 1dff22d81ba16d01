import { deny, PolicyDenial } from '../policy-denial';
import { HeaderValue } from '../policy-request';
import { RouteRow } from '../routes/route-table';
import { goMediaType, isFormMediaType } from './go-media-type';

/**
 * Headers the daemon reads with Go's `Header.Get`, which takes the first line.
 * Node keeps the first Content-Type but joins other repeats with ", ", and the
 * upstream framing forwards every line as sent: a repeat could make the proxy
 * and the daemon read different values, so a repeat is refused.
 */
const SINGLE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'Content-Type',
  // Pull, push, search, distribution: credentials for the registry named by the
  // image reference. Their fields (serveraddress included) name no host the
  // daemon dials; the registry's own token realm is the registry's choice.
  'x-registry-auth': 'X-Registry-Auth',
  // Classic build: a map from registry host to credentials, looked up for the
  // registries the Dockerfile's FROM lines name (judged there); it adds none.
  'x-registry-config': 'X-Registry-Config',
};

// Values never echoed in a denial: they carry registry passwords.
const SECRET_HEADERS = new Set(['x-registry-auth', 'x-registry-config']);

/**
 * Every channel besides path and query through which the daemon takes input,
 * checked before the route's own rules:
 * - a form body (the daemon's `r.FormValue` reads it, before the query) is
 *   refused on every route: the query is the one place parameters are judged;
 * - a route that streams a body the daemon reads accepts only the media types
 *   real clients send with it;
 * - headers the daemon reads singly are refused when repeated.
 */
export function checkRequestChannels(route: RouteRow, headers: Readonly<Record<string, HeaderValue>>): PolicyDenial | undefined {
  for (const [name, display] of Object.entries(SINGLE_HEADERS)) {
    const value = headers[name];
    const joined = typeof value === 'string' && SECRET_HEADERS.has(name) && value.includes(',');
    // Base64 (the only encoding the daemon decodes here) has no comma: one means
    // Node joined two lines.
    if ((Array.isArray(value) && value.length > 1) || joined) {
      return deny('request.header-repeated', 'the daemon reads this header once; send it once', `header ${display}`, SECRET_HEADERS.has(name) ? undefined : value);
    }
  }
  const raw = headers['content-type'];
  const contentType = Array.isArray(raw) ? raw[0] : raw;
  const mediaType = contentType === undefined ? '' : goMediaType(contentType);
  if (mediaType === 'unreadable') {
    return deny('body.content-type', 'the Content-Type must be plain ASCII', 'Content-Type', contentType);
  }
  if (isFormMediaType(mediaType)) {
    return deny('body.form', 'the daemon would read a form body as request parameters; send parameters in the query', 'Content-Type', contentType);
  }
  if (route.bodyMediaTypes && !route.bodyMediaTypes.includes(mediaType)) {
    const expected = route.bodyMediaTypes.map((type) => type || '(none)').join(', ');
    return deny('body.content-type', `this endpoint takes a body of type ${expected}`, 'Content-Type', contentType ?? null);
  }
  return undefined;
}
