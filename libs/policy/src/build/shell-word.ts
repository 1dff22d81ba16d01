/**
 * The subset of the Dockerfile shell-word processing (quotes, the escape
 * character, `$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR-x}`, `${VAR:+x}`, `${VAR+x}`)
 * the builder applies to FROM, ARG/ENV values and ADD/COPY words. Anything
 * else (`${VAR:?}`, `${VAR#x}`, `${VAR/x/y}`, …) throws: what the daemon would
 * make of it is not worked out here, and default deny applies.
 */

/** A variable's value; undefined when it is unset. Throws when it cannot be known. */
export type VariableLookup = (name: string) => string | undefined;

export class UnsupportedWordError extends Error {}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

export function processWord(word: string, escape: string, lookup: VariableLookup): string {
  const lexer = new Lexer(word, escape, lookup);
  const out = lexer.run(undefined);
  if (lexer.pos < word.length) throw new UnsupportedWordError(`unexpected '${word[lexer.pos]}'`);
  return out;
}

class Lexer {
  pos = 0;

  constructor(
    private readonly src: string,
    private readonly escape: string,
    private readonly lookup: VariableLookup,
  ) {}

  /** Reads until the end, or until `stop` (not consumed) outside quotes. */
  run(stop: string | undefined): string {
    let out = '';
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos];
      if (stop !== undefined && ch === stop) return out;
      if (ch === "'") {
        out += this.single();
      } else if (ch === '"') {
        out += this.double();
      } else if (ch === this.escape) {
        this.pos++;
        if (this.pos < this.src.length) out += this.src[this.pos++];
      } else if (ch === '$') {
        out += this.dollar();
      } else {
        out += ch;
        this.pos++;
      }
    }
    if (stop !== undefined) throw new UnsupportedWordError(`missing '${stop}'`);
    return out;
  }

  private single(): string {
    const end = this.src.indexOf("'", this.pos + 1);
    if (end === -1) throw new UnsupportedWordError('unterminated single quote');
    const out = this.src.slice(this.pos + 1, end);
    this.pos = end + 1;
    return out;
  }

  private double(): string {
    this.pos++;
    let out = '';
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos];
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch === this.escape) {
        const next = this.src[this.pos + 1];
        if (next === '"' || next === '$' || next === this.escape) {
          out += next;
          this.pos += 2;
        } else {
          out += ch;
          this.pos++;
        }
      } else if (ch === '$') {
        out += this.dollar();
      } else {
        out += ch;
        this.pos++;
      }
    }
    throw new UnsupportedWordError('unterminated double quote');
  }

  private name(): string {
    const start = this.pos;
    if (this.pos < this.src.length && NAME_START.test(this.src[this.pos])) {
      this.pos++;
      while (this.pos < this.src.length && NAME_CHAR.test(this.src[this.pos])) this.pos++;
    }
    return this.src.slice(start, this.pos);
  }

  private dollar(): string {
    this.pos++; // '$'
    if (this.src[this.pos] !== '{') {
      const name = this.name();
      if (name === '') return '$'; // a literal '$'; callers refuse words that keep one
      return this.lookup(name) ?? '';
    }
    this.pos++; // '{'
    const name = this.name();
    if (name === '') throw new UnsupportedWordError('unsupported ${…} form');
    const value = this.lookup(name);
    const ch = this.src[this.pos];
    if (ch === '}') {
      this.pos++;
      return value ?? '';
    }
    let op = '';
    if (ch === ':') {
      op = ':';
      this.pos++;
    }
    const kind = this.src[this.pos];
    if (kind !== '-' && kind !== '+') throw new UnsupportedWordError(`unsupported \${${name}${op}${kind ?? ''}…} form`);
    this.pos++;
    const word = this.run('}');
    this.pos++; // '}'
    const set = value !== undefined && (op === '' || value !== '');
    if (kind === '-') return set ? value! : word;
    return set ? word : '';
  }
}
