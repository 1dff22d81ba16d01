/**
 * The JSON reader for bodies we validate and re-serialise before dockerd sees
 * them. dockerd decodes with Go's encoding/json, which matches keys to struct
 * fields case-insensitively and lets the last of two matching keys win; a
 * document with two keys that fold alike therefore means one thing to us and
 * another to the daemon. Anything with two readings is refused, not repaired.
 */
export class StrictJsonError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'StrictJsonError';
  }
}

export interface StrictJsonOptions {
  /** How many containers (objects, arrays) may nest; 64 unless given. */
  readonly maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 64;
// The parser recurses once per level, so this bound keeps a caller's maxDepth
// from letting input exhaust the stack (an engine RangeError, not a refusal).
const DEPTH_LIMIT = 1000;
// A JavaScript consumer doing `target[key] = ...` with these keys reaches a
// prototype; no Docker API body needs them.
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const PLAIN_SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function parseStrictJson(input: Buffer | string, options: StrictJsonOptions = {}): unknown {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 0 || maxDepth > DEPTH_LIMIT) {
    throw new RangeError(`maxDepth must be an integer from 0 to ${DEPTH_LIMIT}, not ${maxDepth}`);
  }
  return new Parser(decode(input), maxDepth).document();
}

function decode(input: Buffer | string): string {
  // Go's decoder does not skip a byte order mark, it fails on it: a body with
  // one is not a JSON document to dockerd.
  const bom = typeof input === 'string' ? input.charCodeAt(0) === 0xfeff : input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf;
  if (bom) throw new StrictJsonError('(body)', 'the body starts with a byte order mark');
  if (typeof input === 'string') return input;
  try {
    return utf8.decode(input);
  } catch {
    // Go reads each invalid byte as U+FFFD: a different string than ours.
    throw new StrictJsonError('(body)', 'the body is not valid UTF-8');
  }
}

class Parser {
  private pos = 0;
  // Rendered into a path only when refusing, so a large document pays nothing.
  private readonly segments: Array<string | number> = [];
  // One map per nesting level, reused: objects at one level end before the next starts.
  private readonly spellingsByDepth: Array<Map<string, string>> = [];

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  document(): unknown {
    this.skipWhitespace();
    if (this.pos >= this.text.length) this.fail('the body is empty');
    const value = this.value(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail('unexpected data after the JSON value');
    return value;
  }

  private value(depth: number): unknown {
    switch (this.text.charCodeAt(this.pos)) {
      case 0x7b /* { */:
        return this.object(depth + 1);
      case 0x5b /* [ */:
        return this.array(depth + 1);
      case 0x22 /* " */:
        return this.string();
      case 0x74 /* t */:
        return this.literal('true', true);
      case 0x66 /* f */:
        return this.literal('false', false);
      case 0x6e /* n */:
        return this.literal('null', null);
      default:
        return this.number();
    }
  }

  private object(depth: number): Record<string, unknown> {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth} levels`);
    this.pos++;
    const result: Record<string, unknown> = {};
    const spellings = this.spellingsAt(depth);
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('expected a double-quoted key');
      const key = this.string();
      this.segments.push(key);
      if (PROTOTYPE_KEYS.has(key)) this.fail(`the key ${quote(key)} is not allowed`);
      const folded = goFoldKey(key);
      const earlier = spellings.get(folded);
      if (earlier === key) this.fail(`duplicate key ${quote(key)}`);
      if (earlier !== undefined) {
        this.fail(`duplicate key: ${quote(earlier)} and ${quote(key)} are the same key to the Docker daemon, which matches keys case-insensitively`);
      }
      spellings.set(folded, key);
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail('expected ":" after the key');
      this.pos++;
      this.skipWhitespace();
      const value = this.value(depth);
      // Assignment is a plain own-property write only while nothing on the
      // prototype chain has the key: a setter or read-only property there,
      // built in or added at run time, would take the write. Else define it.
      if (key in result) Object.defineProperty(result, key, { value, writable: true, enumerable: true, configurable: true });
      else result[key] = value;
      this.segments.pop();
      this.skipWhitespace();
      const next = this.text.charCodeAt(this.pos++);
      if (next === 0x7d) return result;
      if (next !== 0x2c) this.failBefore('expected "," or "}" in an object');
    }
  }

  private array(depth: number): unknown[] {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth} levels`);
    this.pos++;
    const result: unknown[] = [];
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      this.segments.push(result.length);
      result.push(this.value(depth));
      this.segments.pop();
      this.skipWhitespace();
      const next = this.text.charCodeAt(this.pos++);
      if (next === 0x5d) return result;
      if (next !== 0x2c) this.failBefore('expected "," or "]" in an array');
    }
  }

  private spellingsAt(depth: number): Map<string, string> {
    let spellings = this.spellingsByDepth[depth];
    if (spellings === undefined) this.spellingsByDepth[depth] = spellings = new Map();
    else spellings.clear();
    return spellings;
  }

  private string(): string {
    this.pos++;
    // Escapes are rare; only strings that have them pay for the pieces.
    let pieces: string[] | undefined;
    let runStart = this.pos;
    for (;;) {
      if (this.pos >= this.text.length) this.fail('unterminated string');
      const code = this.text.charCodeAt(this.pos);
      if (code === 0x22) {
        const run = this.text.slice(runStart, this.pos++);
        if (pieces === undefined) return run;
        pieces.push(run);
        return pieces.join('');
      }
      if (code === 0x5c) {
        pieces ??= [];
        if (runStart < this.pos) pieces.push(this.text.slice(runStart, this.pos));
        pieces.push(this.escape());
        runStart = this.pos;
      } else if (code < 0x20) {
        this.fail('unescaped control character in a string');
      } else if (code >= 0xd800 && code <= 0xdfff) {
        // Only a string input gets here (decoded UTF-8 has no lone surrogates);
        // as UTF-8 on the wire it would be U+FFFD to the daemon.
        if (code > 0xdbff || !isLowSurrogate(this.text.charCodeAt(this.pos + 1))) this.fail('lone UTF-16 surrogate in a string');
        this.pos += 2;
      } else {
        this.pos++;
      }
    }
  }

  private escape(): string {
    if (this.pos + 1 >= this.text.length) this.fail('unterminated string');
    const kind = this.text[this.pos + 1];
    this.pos += 2;
    switch (kind) {
      case '"':
      case '\\':
      case '/':
        return kind;
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u':
        return this.unicodeEscape();
      default:
        return this.fail(`invalid escape ${quote(`\\${kind}`)} in a string`);
    }
  }

  private unicodeEscape(): string {
    const unit = this.hex4();
    if (unit < 0xd800 || unit > 0xdfff) return String.fromCharCode(unit);
    // Go's decoder turns an unpaired surrogate escape into U+FFFD; keeping it,
    // we would validate a string the daemon never sees.
    const reason = 'lone UTF-16 surrogate escape in a string (the Docker daemon would read U+FFFD)';
    if (unit > 0xdbff || this.text.charCodeAt(this.pos) !== 0x5c || this.text.charCodeAt(this.pos + 1) !== 0x75) this.fail(reason);
    this.pos += 2;
    const low = this.hex4();
    if (!isLowSurrogate(low)) this.fail(reason);
    return String.fromCharCode(unit, low);
  }

  private hex4(): number {
    let unit = 0;
    for (let i = 0; i < 4; i++) {
      const digit = hexDigit(this.text.charCodeAt(this.pos + i));
      if (digit < 0) this.fail('a \\u escape needs four hex digits');
      unit = unit * 16 + digit;
    }
    this.pos += 4;
    return unit;
  }

  private number(): number {
    const start = this.pos;
    if (this.text.charCodeAt(this.pos) === 0x2d) this.pos++;
    const first = this.text.charCodeAt(this.pos);
    if (first === 0x30) this.pos++;
    else if (isDigit(first)) this.digits();
    else if (this.pos === start) this.unexpected();
    else this.fail('invalid number: a digit must follow "-"');
    if (this.text.charCodeAt(this.pos) === 0x2e) {
      this.pos++;
      if (this.digits() === 0) this.fail('invalid number: digits must follow the decimal point');
    }
    const exponent = this.text.charCodeAt(this.pos);
    if (exponent === 0x65 || exponent === 0x45) {
      this.pos++;
      const sign = this.text.charCodeAt(this.pos);
      if (sign === 0x2b || sign === 0x2d) this.pos++;
      if (this.digits() === 0) this.fail('invalid number: digits must follow the exponent');
    }
    const value = Number(this.text.slice(start, this.pos));
    if (!Number.isFinite(value)) this.fail('number out of the range of a double');
    return value;
  }

  private digits(): number {
    const start = this.pos;
    while (isDigit(this.text.charCodeAt(this.pos))) this.pos++;
    return this.pos - start;
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`invalid literal: expected ${word}`);
    this.pos += word.length;
    return value;
  }

  private skipWhitespace(): void {
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return;
      this.pos++;
    }
  }

  private unexpected(): never {
    if (this.pos >= this.text.length) this.fail('unexpected end of the body');
    return this.fail(`unexpected character ${quote(String.fromCodePoint(this.text.codePointAt(this.pos)!))}`);
  }

  // For a separator that was consumed before it turned out to be wrong.
  private failBefore(reason: string): never {
    this.pos--;
    return this.pos >= this.text.length ? this.fail('unexpected end of the body') : this.fail(reason);
  }

  private fail(reason: string): never {
    throw new StrictJsonError(renderPath(this.segments), reason);
  }
}

/**
 * The key as Go's encoding/json compares it with a struct field name, so that
 * goFoldKey(a) === goFoldKey(b) exactly when dockerd reads a and b as the same
 * field. decode.go looks a key up by exact name, then by foldName(key); fold.go
 * foldName upper-cases ASCII a-z and replaces every other rune r by foldRune(r),
 * the smallest rune of r's unicode.SimpleFold orbit (its class under Unicode
 * simple case folding). So 'ſ' (U+017F) is 'S' and the Kelvin sign (U+212A) is
 * 'K', the only non-ASCII runes that reach an ASCII field name, while 'İ'
 * (U+0130) and 'ı' (U+0131), which have case mappings but no simple folding,
 * stay themselves. The result is Go's folded name, rune for rune.
 */
export function goFoldKey(key: string): string {
  for (let i = 0; i < key.length; i++) {
    if (key.charCodeAt(i) >= 0x80) return foldUnicodeKey(key);
  }
  return key.toUpperCase();
}

function foldUnicodeKey(key: string): string {
  let folded = '';
  for (const char of key) {
    const code = char.codePointAt(0)!;
    folded += code < 0x80 ? char.toUpperCase() : String.fromCodePoint(foldRune(code));
  }
  return folded;
}

let smallestInOrbit: Map<number, number> | undefined;

function foldRune(code: number): number {
  // A lone surrogate only reaches Go as the U+FFFD its unquoting produced.
  if (code >= 0xd800 && code <= 0xdfff) return 0xfffd;
  smallestInOrbit ??= buildOrbits();
  return smallestInOrbit.get(code) ?? code;
}

// Every cased character is below this; the spec scans the rest to keep it so.
const LAST_CASED = 0x1ffff;
// Case pairs without simple folding (CaseFolding.txt has them only as Turkic
// 'T' mappings); Go's unicode tests pin each as an orbit of one rune.
const CASED_BUT_UNFOLDED = new Set([0x130, 0x131]);

/**
 * JavaScript has no SimpleFold, so the orbits are rebuilt from the engine's
 * one-character case mappings, which link every member of a simple-folding
 * class ('ſ' upper-cases to 'S', the Kelvin sign lower-cases to 'k'). A mapping
 * that expands ('ß' → 'SS') is no simple mapping and is skipped; such pairs are
 * linked from the other side ('ẞ' lower-cases to 'ß'). Go 1.21+ has Unicode
 * 15.0 tables; a newer engine also cases letters added since, which can only
 * make us refuse more. Built once, on the first non-ASCII key.
 */
function buildOrbits(): Map<number, number> {
  const smaller = new Map<number, number>();
  const smallest = (code: number): number => {
    for (let next = smaller.get(code); next !== undefined; next = smaller.get(code)) code = next;
    return code;
  };
  const casemapped = /\p{Changes_When_Casemapped}/u;
  for (let code = 0; code <= LAST_CASED; code++) {
    if (code === 0xd800) code = 0xe000;
    const char = String.fromCodePoint(code);
    if (!casemapped.test(char) || CASED_BUT_UNFOLDED.has(code)) continue;
    for (const mapped of [char.toLowerCase(), char.toUpperCase()]) {
      const other = mapped.codePointAt(0)!;
      if (mapped !== String.fromCodePoint(other) || CASED_BUT_UNFOLDED.has(other)) continue;
      const [a, b] = [smallest(code), smallest(other)];
      if (a !== b) smaller.set(Math.max(a, b), Math.min(a, b));
    }
  }
  const result = new Map<number, number>();
  for (const code of smaller.keys()) result.set(code, smallest(code));
  return result;
}

function renderPath(segments: ReadonlyArray<string | number>): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (PLAIN_SEGMENT.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${quote(segment)}]`;
  }
  return path === '' || path.startsWith('[') ? `(body)${path}` : path;
}

// Keys are client input bound for a denial message and a log line: shorten
// them, and escape everything non-ASCII so that 'ſ' cannot pass for 's' or 'f'.
function quote(text: string): string {
  const shown = text.length > 64 ? text.slice(0, 64) : text;
  const quoted = JSON.stringify(shown).replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return shown === text ? quoted : `${quoted}…`;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  return -1;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
