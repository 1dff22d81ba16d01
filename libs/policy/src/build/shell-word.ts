/**
 * Shell-word expansion as the classic builder runs it on FROM, ARG/ENV keys
 * and values and ADD/COPY words: moby/buildkit frontend/dockerfile/shell
 * lex.go as vendored in moby v20.10 (ProcessWord over Go's text/scanner).
 * Each rule below names the Go behaviour it mirrors. What is not mirrored
 * throws UnsupportedWordError, and default deny applies.
 */

/** A variable's value; undefined when it is unset. Throws when it cannot be known. */
export type VariableLookup = (name: string) => string | undefined;

export class UnsupportedWordError extends Error {}

/** isSpecialParam: `$@`, `$*`, `$#`, `$?`, `$-`, `$$`, `$!`, `$0` are names of one character. */
const SPECIAL_PARAM = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);
const ASCII_DIGIT = /^[0-9]$/;
const ASCII_NAME_CHAR = /^[A-Za-z0-9_]$/;

export function processWord(word: string, escape: string, lookup: VariableLookup): string {
  // text/scanner's Peek skips a byte-order mark that is the very first character.
  const chars = [...word.replace(/^\uFEFF/, '')];
  const lexer = new Lexer(chars, escape, lookup);
  return lexer.run(undefined);
}

class Lexer {
  pos = 0;

  constructor(
    private readonly src: readonly string[],
    private readonly escape: string,
    private readonly lookup: VariableLookup,
  ) {}

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  /** processStopOn: reads until the end, or through `stop` outside quotes (consumed). */
  run(stop: string | undefined): string {
    let out = '';
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos];
      if (stop !== undefined && ch === stop) {
        this.pos++;
        return out;
      }
      if (ch === "'") {
        out += this.single();
      } else if (ch === '"') {
        out += this.double();
      } else if (ch === '$') {
        out += this.dollar();
      } else {
        this.pos++;
        if (ch === this.escape) {
          // An escape character at the very end is dropped (and ends the loop).
          if (this.pos >= this.src.length) break;
          out += this.src[this.pos++];
        } else {
          out += ch;
        }
      }
    }
    if (stop !== undefined) throw new UnsupportedWordError(`missing '${stop}'`);
    return out;
  }

  /** processSingleQuote: everything up to the next `'`, as is. */
  private single(): string {
    this.pos++;
    let out = '';
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos++];
      if (ch === "'") return out;
      out += ch;
    }
    throw new UnsupportedWordError('unterminated single quote');
  }

  /** processDoubleQuote: the escape character escapes only `"`, `$` and itself; otherwise it is kept. */
  private double(): string {
    this.pos++;
    let out = '';
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos];
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch === '$') {
        out += this.dollar();
        continue;
      }
      this.pos++;
      if (ch === this.escape) {
        const next = this.peek();
        if (next === undefined) continue;
        if (next === '"' || next === '$' || next === this.escape) {
          out += next;
          this.pos++;
          continue;
        }
      }
      out += ch;
    }
    throw new UnsupportedWordError('unterminated double quote');
  }

  /**
   * processName: digits (unicode.IsDigit) make a name of digits only; a
   * special parameter is a name of one character; otherwise letters
   * (unicode.IsLetter), digits and `_`. Which characters beyond ASCII Go's
   * Unicode tables call letters or digits is not mirrored: a name that meets
   * one is refused.
   */
  private name(): string {
    let name = '';
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) return name;
      if (ch.codePointAt(0)! > 0x7f) throw new UnsupportedWordError('a variable name with characters beyond ASCII is not inspected');
      if (name === '' && ASCII_DIGIT.test(ch)) {
        while (this.peek() !== undefined && ASCII_DIGIT.test(this.peek()!)) name += this.src[this.pos++];
        const after = this.peek();
        if (after !== undefined && after.codePointAt(0)! > 0x7f) throw new UnsupportedWordError('a variable name with characters beyond ASCII is not inspected');
        return name;
      }
      if (name === '' && SPECIAL_PARAM.has(ch)) {
        this.pos++;
        return ch;
      }
      if (!ASCII_NAME_CHAR.test(ch)) return name;
      name += ch;
      this.pos++;
    }
  }

  /** processDollar. */
  private dollar(): string {
    this.pos++; // '$'
    if (this.peek() !== '{') {
      const name = this.name();
      if (name === '') return '$'; // a literal '$'; callers refuse words that keep one
      return this.lookup(name) ?? '';
    }
    this.pos++; // '{'
    const first = this.peek();
    if (first === undefined) throw new UnsupportedWordError("missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new UnsupportedWordError('bad substitution');
    const name = this.name();
    const ch = this.src[this.pos++];
    if (ch === '}') return this.lookup(name) ?? '';
    if (ch === '?') {
      this.run('}');
      const value = this.lookup(name);
      if (value === undefined) throw new UnsupportedWordError(`${name} is not allowed to be unset`);
      return value;
    }
    if (ch !== ':') throw new UnsupportedWordError("missing ':' in substitution");
    const modifier = this.src[this.pos++];
    const word = this.run('}');
    const value = this.lookup(name);
    if (modifier === '+') return value !== undefined && value !== '' ? word : value ?? '';
    if (modifier === '-') return value === undefined || value === '' ? word : value;
    if (modifier === '?') {
      if (value === undefined || value === '') throw new UnsupportedWordError(`${name} is not allowed to be unset or empty`);
      return value;
    }
    throw new UnsupportedWordError(`unsupported modifier (${modifier ?? ''}) in substitution`);
  }
}
