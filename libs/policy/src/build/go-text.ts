/**
 * Go's notions of white space and case, which the daemon's Dockerfile parser
 * uses and JavaScript's do not match: JavaScript's `\s` and `trim()` include
 * U+FEFF and leave out U+0085; Go's regexp `\s` is ASCII only and leaves out
 * `\v`; `strings.ToLower("İ")` is "i" in Go and "i̇" in JavaScript.
 */

/** Go's unicode.IsSpace. */
const GO_SPACE_CLASS = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const GO_SPACE = new RegExp(`^[${GO_SPACE_CLASS}]$`);
const LEADING_GO_SPACE = new RegExp(`^[${GO_SPACE_CLASS}]+`);
const TRAILING_GO_SPACE = new RegExp(`[${GO_SPACE_CLASS}]+$`);

/** unicode.IsSpace for one code point. */
export function isGoSpace(ch: string): boolean {
  return GO_SPACE.test(ch);
}

/** unicode.IsSpace applied to one byte taken as a rune, as `rune(line[pos])` does: 0x85 and 0xA0 are spaces. */
export function isGoSpaceByte(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d) || byte === 0x85 || byte === 0xa0;
}

/** bytes.TrimLeftFunc(s, unicode.IsSpace). */
export function goTrimLeft(text: string): string {
  return text.replace(LEADING_GO_SPACE, '');
}

/** strings.TrimSpace: Unicode white space (not U+FEFF, which JavaScript's trim() removes). */
export function goTrimSpace(text: string): string {
  return text.replace(LEADING_GO_SPACE, '').replace(TRAILING_GO_SPACE, '');
}

/** The parser's reWhitespace, `[\t\v\f\r ]+`: ASCII only, and not `\n`. */
const RE_WHITESPACE = /[\t\v\f\r ]+/;

/** regexp.Split(s, n) with reWhitespace; n = -1 splits everywhere. */
export function splitReWhitespace(text: string, n: number): string[] {
  if (text === '') return [''];
  const parts: string[] = [];
  let rest = text;
  while (n < 0 || parts.length < n - 1) {
    const match = RE_WHITESPACE.exec(rest);
    if (!match) break;
    parts.push(rest.slice(0, match.index));
    rest = rest.slice(match.index + match[0].length);
  }
  parts.push(rest);
  return parts;
}

/**
 * strings.ToLower, as far as it can turn a word into an ASCII keyword: ASCII
 * letters, U+212A KELVIN SIGN ("k") and U+0130 ("i" in Go's tables, "i̇" in
 * JavaScript's). Any other code point lowers to something that is not ASCII
 * and is kept, so it matches no keyword either way.
 */
export function goLowerKeyword(word: string): string {
  let out = '';
  for (const ch of word) {
    if (ch >= 'A' && ch <= 'Z') out += ch.toLowerCase();
    else if (ch === '\u212a') out += 'k';
    else if (ch === '\u0130') out += 'i';
    else out += ch;
  }
  return out;
}

/** strings.EqualFold(word, "as"): U+017F LATIN SMALL LETTER LONG S folds to "s". */
export function isGoAs(word: string): boolean {
  return /^[aA][sS\u017f]$/.test(word);
}
