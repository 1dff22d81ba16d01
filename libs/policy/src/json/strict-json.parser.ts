/**
 * A JSON parser that refuses every document dockerd could read differently
 * from us. Go's encoding/json matches object keys to struct fields
 * case-insensitively, with Unicode folding, and lets a later duplicate win; so a
 * document with two keys that fold alike has two readings, and is refused here.
 */
export class StrictJsonError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

const DEFAULT_MAX_DEPTH = 64;
// Keys that could reach an object's prototype in a careless consumer.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The key as Go's decoder compares it (encoding/json `foldName`): ASCII letters
 * upper-cased; any other rune r mapped to ToUpper(ToLower(r)) with Unicode's
 * simple (one-to-one) case mappings. JavaScript only offers the full mappings,
 * which may expand a character ('ß' → 'SS'); where they do, the simple mapping is
 * the character itself, except U+0130 'İ' whose simple lower case is 'i'.
 */
export function goFoldKey(key: string): string {
  let folded = '';
  for (const char of key) {
    const code = char.codePointAt(0)!;
    if (code < 0x80) {
      folded += code >= 0x61 && code <= 0x7a ? String.fromCharCode(code - 0x20) : char;
      continue;
    }
    const lower = code === 0x130 ? 'i' : single(char.toLowerCase(), char);
    folded += single(lower.toUpperCase(), lower);
  }
  return folded;
}

function single(mapped: string, fallback: string): string {
  return [...mapped].length === 1 ? mapped : fallback;
}

export function parseStrictJson(input: Buffer | string, options: { maxDepth?: number } = {}): unknown {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) throw new StrictJsonError('(body)', 'a byte order mark is not allowed');
    try {
      text = utf8.decode(input);
    } catch {
      throw new StrictJsonError('(body)', 'the body is not valid UTF-8');
    }
  }
  const parser = new Parser(text, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  return parser.document();
}

class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  document(): unknown {
    this.skipWhitespace();
    if (this.pos >= this.text.length) throw new StrictJsonError('(body)', 'the body is empty');
    const value = this.value('(body)', 0);
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail('(body)', 'unexpected data after the JSON value');
    return value;
  }

  private value(path: string, depth: number): unknown {
    const char = this.text[this.pos];
    switch (char) {
      case '{':
        return this.object(path, depth + 1);
      case '[':
        return this.array(path, depth + 1);
      case '"':
        return this.string(path);
      case 't':
        return this.literal('true', true, path);
      case 'f':
        return this.literal('false', false, path);
      case 'n':
        return this.literal('null', null, path);
      default:
        return this.number(path);
    }
  }

  private object(path: string, depth: number): Record<string, unknown> {
    if (depth > this.maxDepth) this.fail(path, `nesting deeper than ${this.maxDepth} levels`);
    this.pos++;
    const result: Record<string, unknown> = {};
    const seen = new Map<string, string>();
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail(path, 'expected a quoted object key');
      const key = this.string(path);
      const keyPath = path === '(body)' ? key : `${path}.${key}`;
      if (FORBIDDEN_KEYS.has(key)) this.fail(keyPath, `the key ${JSON.stringify(key)} is not allowed`);
      const folded = goFoldKey(key);
      const earlier = seen.get(folded);
      if (earlier !== undefined) {
        this.fail(
          keyPath,
          earlier === key
            ? `duplicate key ${JSON.stringify(key)}`
            : `duplicate key: ${JSON.stringify(earlier)} and ${JSON.stringify(key)} are the same key to the Docker daemon`,
        );
      }
      seen.set(folded, key);
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail(keyPath, 'expected ":" after the key');
      this.pos++;
      this.skipWhitespace();
      result[key] = this.value(keyPath, depth);
      this.skipWhitespace();
      const next = this.text[this.pos++];
      if (next === '}') return result;
      if (next !== ',') this.fail(path, 'expected "," or "}" in an object');
    }
  }

  private array(path: string, depth: number): unknown[] {
    if (depth > this.maxDepth) this.fail(path, `nesting deeper than ${this.maxDepth} levels`);
    this.pos++;
    const result: unknown[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      result.push(this.value(`${path}[${result.length}]`, depth));
      this.skipWhitespace();
      const next = this.text[this.pos++];
      if (next === ']') return result;
      if (next !== ',') this.fail(path, 'expected "," or "]" in an array');
    }
  }

  private string(path: string): string {
    this.pos++;
    let result = '';
    let runStart = this.pos;
    for (;;) {
      if (this.pos >= this.text.length) this.fail(path, 'unterminated string');
      const code = this.text.charCodeAt(this.pos);
      if (code === 0x22) {
        result += this.text.slice(runStart, this.pos);
        this.pos++;
        return result;
      }
      if (code < 0x20) this.fail(path, 'control characters must be escaped in strings');
      if (code >= 0xd800 && code <= 0xdfff) {
        // Raw surrogates only arrive here from a string input; a Buffer input was
        // already checked as UTF-8. A lone one would be U+FFFD to the daemon.
        const pair = code <= 0xdbff && this.isLowSurrogate(this.text.charCodeAt(this.pos + 1));
        if (!pair) this.fail(path, 'lone UTF-16 surrogate in a string');
        this.pos += 2;
        continue;
      }
      if (code !== 0x5c) {
        this.pos++;
        continue;
      }
      result += this.text.slice(runStart, this.pos);
      result += this.escape(path);
      runStart = this.pos;
    }
  }

  private escape(path: string): string {
    const kind = this.text[this.pos + 1];
    this.pos += 2;
    switch (kind) {
      case '"':
        return '"';
      case '\\':
        return '\\';
      case '/':
        return '/';
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
      case 'u': {
        const high = this.hex4(path);
        if (high < 0xd800 || high > 0xdfff) return String.fromCharCode(high);
        // Go turns an unpaired surrogate escape into U+FFFD; we would keep it.
        if (high > 0xdbff || this.text[this.pos] !== '\\' || this.text[this.pos + 1] !== 'u') {
          this.fail(path, 'lone UTF-16 surrogate escape in a string');
        }
        this.pos += 2;
        const low = this.hex4(path);
        if (!this.isLowSurrogate(low)) this.fail(path, 'lone UTF-16 surrogate escape in a string');
        return String.fromCharCode(high, low);
      }
      default:
        return this.fail(path, 'invalid escape sequence in a string');
    }
  }

  private hex4(path: string): number {
    const digits = this.text.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) this.fail(path, 'invalid \\u escape');
    this.pos += 4;
    return parseInt(digits, 16);
  }

  private isLowSurrogate(code: number): boolean {
    return code >= 0xdc00 && code <= 0xdfff;
  }

  private number(path: string): number {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match || match[0] === '' || match[0] === '-') this.fail(path, 'unexpected character');
    this.pos += match![0].length;
    const value = Number(match![0]);
    if (!Number.isFinite(value)) this.fail(path, 'number out of range');
    return value;
  }

  private literal<T>(word: string, value: T, path: string): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(path, 'unexpected character');
    this.pos += word.length;
    return value;
  }

  private skipWhitespace(): void {
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return;
      this.pos++;
    }
  }

  private fail(path: string, reason: string): never {
    throw new StrictJsonError(path, reason);
  }
}
