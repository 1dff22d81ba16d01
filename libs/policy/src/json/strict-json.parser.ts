/**
 * The JSON reader for bodies we validate and re-serialise before dockerd sees
 * them. dockerd decodes with Go's encoding/json, which matches keys to struct
 * fields case-insensitively and lets the last of two matching keys win; a
 * document with two keys that fold alike therefore means one thing to us and
 * another to the daemon. Anything with two readings is refused, not repaired.
 *
 * That folding applies to struct fields only. A Go map (Labels, Sysctls,
 * Options…) keeps its keys as written, so `{"a.b":"1","a.B":"2"}` is two labels
 * to the daemon; there only an exact repeat is ambiguous (the decoder keeps the
 * last). The parser does not know which objects are maps: its caller says so.
 */
import { goFoldKey } from './go-fold-key';

export { goFoldKey };

export class StrictJsonError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'StrictJsonError';
  }
}

/** Where an object sits: its keys and indexes from the document's root. */
export type JsonPath = ReadonlyArray<string | number>;

export interface StrictJsonOptions {
  /** How many containers (objects, arrays) may nest; 64 unless given. */
  readonly maxDepth?: number;
  /**
   * Whether the object at `path` decodes into a Go map, whose keys are compared
   * exactly. Unless it says so, an object is a struct: keys that fold alike are
   * duplicates (fail closed).
   */
  readonly isMap?: (path: JsonPath) => boolean;
}

const DEFAULT_MAX_DEPTH = 64;
// The parser recurses once per level, so this bound keeps a caller's maxDepth
// from letting input exhaust the stack (an engine RangeError, not a refusal).
const DEPTH_LIMIT = 1000;
// A JavaScript consumer doing `target[key] = ...` with these keys reaches a
// prototype; no Docker API body needs them.
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const PLAIN_SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
// JSON's one-letter escapes: the code of the letter, the code it stands for.
const SIMPLE_ESCAPES = new Map<number, number>([
  [0x22, 0x22], // \"
  [0x5c, 0x5c], // \\
  [0x2f, 0x2f], // \/
  [0x62, 0x08], // \b
  [0x66, 0x0c], // \f
  [0x6e, 0x0a], // \n
  [0x72, 0x0d], // \r
  [0x74, 0x09], // \t
]);
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function parseStrictJson(input: Buffer | string, options: StrictJsonOptions = {}): unknown {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 0 || maxDepth > DEPTH_LIMIT) {
    throw new RangeError(`maxDepth must be an integer from 0 to ${DEPTH_LIMIT}, not ${maxDepth}`);
  }
  return new Parser(decode(input), maxDepth, options.isMap).document();
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
  private units = new Uint16Array(256);
  private unitCount = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly isMap: ((path: JsonPath) => boolean) | undefined,
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
    const exactKeys = this.isMap?.(this.segments) === true;
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
      const folded = exactKeys ? key : goFoldKey(key);
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
    const start = ++this.pos;
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (code === 0x22) return this.text.slice(start, this.pos++);
      if (code === 0x5c) return this.escapedString(start);
      this.rawCharacter(code);
    }
  }

  // A string with escapes is rebuilt unit by unit in a typed array: joining
  // many small pieces costs several times more on escape-heavy bodies.
  private escapedString(start: number): string {
    this.unitCount = 0;
    for (let i = start; i < this.pos; i++) this.pushUnit(this.text.charCodeAt(i));
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (code === 0x22) {
        this.pos++;
        let result = '';
        for (let i = 0; i < this.unitCount; i += 8192) result += String.fromCharCode(...this.units.subarray(i, Math.min(i + 8192, this.unitCount)));
        return result;
      }
      if (code === 0x5c) {
        this.escape();
      } else {
        const from = this.pos;
        this.rawCharacter(code);
        for (let i = from; i < this.pos; i++) this.pushUnit(this.text.charCodeAt(i));
      }
    }
  }

  private rawCharacter(code: number): void {
    if (this.pos >= this.text.length) this.fail('unterminated string');
    if (code < 0x20) this.fail('unescaped control character in a string');
    if (code < 0xd800 || code > 0xdfff) {
      this.pos++;
      return;
    }
    // Decoded UTF-8 never holds a lone surrogate, a string input can; sent on
    // as UTF-8 it would reach the daemon as U+FFFD.
    if (code > 0xdbff || !isLowSurrogate(this.text.charCodeAt(this.pos + 1))) this.fail('lone UTF-16 surrogate in a string');
    this.pos += 2;
  }

  private pushUnit(unit: number): void {
    if (this.unitCount === this.units.length) {
      const grown = new Uint16Array(this.units.length * 2);
      grown.set(this.units);
      this.units = grown;
    }
    this.units[this.unitCount++] = unit;
  }

  private escape(): void {
    if (this.pos + 1 >= this.text.length) this.fail('unterminated string');
    const kind = this.text.charCodeAt(this.pos + 1);
    this.pos += 2;
    const simple = SIMPLE_ESCAPES.get(kind);
    if (simple !== undefined) return this.pushUnit(simple);
    if (kind !== 0x75 /* u */) this.fail(`invalid escape ${quote(`\\${String.fromCharCode(kind)}`)} in a string`);
    const unit = this.hex4();
    if (unit < 0xd800 || unit > 0xdfff) return this.pushUnit(unit);
    // Go's decoder turns an unpaired surrogate escape into U+FFFD; keeping it,
    // we would validate a string the daemon never sees.
    const reason = 'lone UTF-16 surrogate escape in a string (the Docker daemon would read U+FFFD)';
    if (unit > 0xdbff || this.text.charCodeAt(this.pos) !== 0x5c || this.text.charCodeAt(this.pos + 1) !== 0x75) this.fail(reason);
    this.pos += 2;
    const low = this.hex4();
    if (!isLowSurrogate(low)) this.fail(reason);
    this.pushUnit(unit);
    this.pushUnit(low);
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
    const negative = this.text.charCodeAt(this.pos) === 0x2d;
    if (negative) this.pos++;
    const first = this.text.charCodeAt(this.pos);
    if (first === 0x30) this.pos++;
    else if (isDigit(first)) this.digits();
    else if (this.pos === start) this.unexpected();
    else this.fail('invalid number: a digit must follow "-"');
    const integerEnd = this.pos;
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
    // An integer of up to 15 digits is exact in a double: summing its digits
    // is cheaper than slicing out a string for Number() on large arrays.
    if (this.pos === integerEnd && integerEnd - start <= 15) {
      let integer = 0;
      for (let i = negative ? start + 1 : start; i < integerEnd; i++) integer = integer * 10 + this.text.charCodeAt(i) - 0x30;
      return negative ? -integer : integer;
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
