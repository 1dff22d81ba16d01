import { PolicyDenial, deny } from '../policy-denial';

export interface RequestTarget {
  /** `1.41` for `/v1.41/...`; undefined for an unversioned path. */
  readonly version?: string;
  /** Path segments after the version prefix, never empty strings. */
  readonly segments: readonly string[];
  /** Decoded query pairs in the order sent. */
  readonly query: ReadonlyArray<readonly [string, string]>;
}

// Everything a Docker object name, id, image reference or digest can contain.
// Percent signs are not here on purpose: nothing a Docker client sends in a path
// needs escaping, and a decoded `%2F` or `%2e` would let the daemon's router see
// a different path than the one we matched.
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.:@+-]*$/;
const VERSION_PREFIX = /^v(\d+\.\d+)$/;
const QUERY_CHARS = /^[A-Za-z0-9_.~!$'()*+,\-/:@?=&%[\]|{}"\\^` ]*$/;

/**
 * Parses the raw request target the way we want the daemon to see it, refusing
 * anything that has two readings: the daemon's Go router would clean or decode
 * some of these forms and route them somewhere we did not check.
 */
export function parseRequestTarget(rawUrl: string): RequestTarget | PolicyDenial {
  if (!rawUrl.startsWith('/')) return pathDenial(rawUrl, 'the request target must be an absolute path');
  if (rawUrl.includes('#')) return pathDenial(rawUrl, 'a fragment is not allowed');
  const queryStart = rawUrl.indexOf('?');
  const rawPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? '' : rawUrl.slice(queryStart + 1);

  const parts = rawPath.split('/').slice(1);
  for (const part of parts) {
    if (part === '') return pathDenial(rawPath, 'empty path segments (double or trailing slashes) are not allowed');
    if (part === '.' || part === '..') return pathDenial(rawPath, 'dot segments are not allowed');
    if (!SEGMENT.test(part) && !(part.startsWith('v') && VERSION_PREFIX.test(part))) {
      return pathDenial(rawPath, `path segment ${JSON.stringify(part)} has characters a Docker client never sends`);
    }
  }
  let version: string | undefined;
  let segments = parts;
  const versionMatch = parts.length > 0 ? VERSION_PREFIX.exec(parts[0]) : null;
  if (versionMatch) {
    version = versionMatch[1];
    segments = parts.slice(1);
  }
  if (segments.length === 0) return pathDenial(rawPath, 'no API endpoint named');

  const query = parseQuery(rawQuery);
  if ('rule' in query) return query;
  return { version, segments, query };
}

function parseQuery(rawQuery: string): Array<[string, string]> | PolicyDenial {
  if (rawQuery === '') return [];
  if (rawQuery.includes(';')) {
    // Go's url.ParseQuery rejects semicolons; some proxies split on them.
    return deny('request.query', 'semicolons in the query string are not allowed', 'query', rawQuery);
  }
  if (!QUERY_CHARS.test(rawQuery)) {
    return deny('request.query', 'the query string contains characters that must be percent-encoded', 'query', rawQuery);
  }
  const pairs: Array<[string, string]> = [];
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const rawKey = eq === -1 ? piece : piece.slice(0, eq);
    const rawValue = eq === -1 ? '' : piece.slice(eq + 1);
    const key = decodeFormComponent(rawKey);
    const value = decodeFormComponent(rawValue);
    if (key === undefined || value === undefined) {
      return deny('request.query', 'malformed percent-encoding in the query string', 'query', piece);
    }
    pairs.push([key, value]);
  }
  return pairs;
}

/** application/x-www-form-urlencoded decoding, as Go's url.QueryUnescape does it. */
function decodeFormComponent(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function pathDenial(path: string, reason: string): PolicyDenial {
  return deny('request.path', reason, 'path', path);
}
