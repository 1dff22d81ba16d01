/**
 * The media type of a Content-Type value as Go's mime.ParseMediaType reads it:
 * the part before the first `;`, trimmed and lower-cased (parameters do not
 * change what net/http decides to parse).
 *
 * `unreadable` when the value holds anything but visible ASCII, space and tab:
 * Go lower-cases with Unicode rules (U+212A KELVIN SIGN becomes `k`, U+0130
 * becomes `i`) over the raw bytes, while Node hands us those bytes as latin-1,
 * so the proxy cannot know which type the daemon would see.
 */
export function goMediaType(value: string): string | 'unreadable' {
  if (!/^[\t\x20-\x7e]*$/.test(value)) return 'unreadable';
  const semicolon = value.indexOf(';');
  const base = semicolon === -1 ? value : value.slice(0, semicolon);
  return base.trim().toLowerCase();
}

/**
 * Media types whose body Go's net/http parses into `r.Form`, where the
 * daemon's handlers read their parameters: `application/x-www-form-urlencoded`
 * (ParseForm, for POST/PUT/PATCH; body values come before the query's) and
 * `multipart/form-data` (ParseMultipartForm, which FormValue calls, for any
 * method). Every other `multipart/` type is counted too: it is never a Docker
 * body, and a reader that allows mixed parts exists in the same library.
 */
export function isFormMediaType(mediaType: string): boolean {
  return mediaType === 'application/x-www-form-urlencoded' || mediaType.startsWith('multipart/');
}
