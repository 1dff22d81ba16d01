import { goLowerKeyword, goTrimLeft, goTrimSpace, isGoSpace, isGoSpaceByte, splitReWhitespace } from './go-text';

/**
 * The Dockerfile parser of the classic builder, step by step as dockerd 20.10
 * runs it (moby/buildkit frontend/dockerfile/parser, vendored in moby v20.10:
 * parser.go, split_command.go, line_parsers.go). Each function names the Go
 * code it mirrors; where Go works on bytes, so does this. Pure.
 */

/** The daemon cannot be mirrored here, or refuses the file; rule build.context. */
export class UninspectableDockerfile extends Error {}

export interface LogicalLine {
  readonly line: number;
  readonly text: string;
}

/** reDirectives, with Go's `\s` (ASCII `[\t\n\f\r ]`, no `\v`) and `.` (anything but `\n`). */
const RE_DIRECTIVE = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/u;
const VALID_DIRECTIVES = new Set(['escape', 'syntax']);

/** bufio.Scanner's ScanLines: split on "\n", drop one "\r" before it; Parse strips a UTF-8 BOM from the first line only. */
function physicalLines(text: string): string[] {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length > 0) lines[0] = lines[0].replace(/^\uFEFF/, '');
  return lines;
}

/**
 * directives.possibleParserDirective, applied as Parse applies it: to each
 * line after bytes.TrimLeftFunc(unicode.IsSpace) — so U+0085 or U+00A0 may
 * stand before `# escape=` — until the first line that is not a known
 * directive. A repeated or invalid directive fails the daemon's parse.
 */
export function escapeDirective(text: string): '\\' | '`' {
  let escape: '\\' | '`' = '\\';
  const seen = new Set<string>();
  for (const raw of physicalLines(text)) {
    const match = RE_DIRECTIVE.exec(goTrimLeft(raw));
    if (!match) break;
    const key = match[1].toLowerCase();
    if (!VALID_DIRECTIVES.has(key)) break;
    if (seen.has(key)) throw new UninspectableDockerfile(`the daemon refuses a second ${key} directive`);
    seen.add(key);
    if (key === 'escape') {
      if (match[2] !== '\\' && match[2] !== '`') throw new UninspectableDockerfile('the escape character must be "\\" or "`"');
      escape = match[2];
    }
  }
  return escape;
}

/**
 * Parse's loop: comments (a `#` after Unicode white space) and empty
 * continuation lines are skipped; a line continues when it ends in the escape
 * character, after something that is not the escape character, then spaces or
 * tabs (lineContinuationRegex `([^E])E[ \t]*$|^E[ \t]*$`): a doubled escape
 * character at the end does not continue. Only the first line of an
 * instruction is left-trimmed.
 */
export function logicalLines(text: string, escape: string): LogicalLine[] {
  const lines = physicalLines(text);
  const e = escape === '\\' ? '\\\\' : '`';
  const continuation = new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`, 'u');
  const trimContinuation = (line: string): [string, boolean] =>
    continuation.test(line) ? [line.replace(continuation, '$1'), false] : [line, true];
  const isComment = (line: string) => goTrimLeft(line).startsWith('#');
  // trimComments: reComment `^#.*$` on the line as given (left-trimmed or not).
  const trimComment = (line: string) => (line.startsWith('#') ? '' : line);
  const out: LogicalLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let [line, endOfLine] = trimContinuation(trimComment(goTrimLeft(lines[i])));
    if (endOfLine && line === '') continue;
    while (!endOfLine && i + 1 < lines.length) {
      const raw = lines[++i];
      const processed = trimComment(raw);
      if (isComment(raw)) continue;
      if (goTrimLeft(processed) === '') continue;
      const [more, end] = trimContinuation(processed);
      line += more;
      endOfLine = end;
    }
    out.push({ line: start, text: line });
  }
  return out;
}

export interface Command {
  /** strings.ToLower of the first word. */
  readonly keyword: string;
  /** The builder flags, each as Go builds it (bytes as runes: Latin-1 for what is not ASCII). */
  readonly flags: string[];
  /** The arguments after the flags, strings.TrimSpace'd. */
  readonly args: string;
}

/** splitCommand: strings.TrimSpace, split once on reWhitespace, extractBuilderFlags, strings.TrimSpace. */
export function splitCommand(line: string): Command {
  const parts = splitReWhitespace(goTrimSpace(line), 2);
  const keyword = goLowerKeyword(parts[0]);
  if (parts.length < 2) return { keyword, flags: [], args: '' };
  const { rest, flags } = extractBuilderFlags(parts[1]);
  return { keyword, flags, args: goTrimSpace(rest) };
}

/**
 * extractBuilderFlags walks the line byte by byte and takes each byte as a
 * rune (`rune(line[pos])`), so the bytes 0x85 and 0xA0 — inside U+0085, U+00A0
 * and many other characters — end a flag, and a flag's bytes beyond ASCII
 * come out as Latin-1 characters.
 */
export function extractBuilderFlags(line: string): { rest: string; flags: string[] } {
  const bytes = Buffer.from(line, 'utf8');
  const flags: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = 0;
  let blankOk = false;
  const rest = (pos: number) => {
    const tail = bytes.subarray(pos);
    const text = tail.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(tail)) {
      throw new UninspectableDockerfile('a builder flag ends inside a character (a byte the daemon reads as white space); this is not inspected');
    }
    return { rest: text, flags };
  };
  for (let pos = 0; pos <= bytes.length; pos++) {
    const end = pos === bytes.length;
    let ch = end ? -1 : bytes[pos];
    if (phase === 'spaces') {
      if (end) break;
      if (isGoSpaceByte(ch)) continue;
      if (ch !== 0x2d || pos + 1 === bytes.length || bytes[pos + 1] !== 0x2d) return rest(pos);
      phase = 'word';
    }
    if (end) {
      if (word !== '--' && (blankOk || word.length > 0)) flags.push(word);
      break;
    }
    if (phase === 'word') {
      if (isGoSpaceByte(ch)) {
        phase = 'spaces';
        if (word === '--') return rest(pos);
        if (blankOk || word.length > 0) flags.push(word);
        word = '';
        blankOk = false;
        continue;
      }
      if (ch === 0x27 || ch === 0x22) {
        quote = ch;
        blankOk = true;
        phase = 'quote';
        continue;
      }
      if (ch === 0x5c) {
        if (pos + 1 === bytes.length) continue;
        ch = bytes[++pos];
      }
      word += String.fromCharCode(ch);
      continue;
    }
    if (ch === quote) {
      phase = 'word';
      continue;
    }
    if (ch === 0x5c) {
      if (pos + 1 === bytes.length) {
        phase = 'word';
        continue;
      }
      ch = bytes[++pos];
    }
    word += String.fromCharCode(ch);
  }
  return { rest: '', flags };
}

/**
 * parseWords (ARG, ENV): rune by rune, words end at unicode.IsSpace; quotes
 * and the escape character are kept for the word expansion, which comes after.
 */
export function parseWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOk = false;
  const chars = [...rest];
  for (let i = 0; i <= chars.length; i++) {
    const end = i === chars.length;
    let ch = end ? '' : chars[i];
    if (phase === 'spaces') {
      if (end) break;
      if (isGoSpace(ch)) continue;
      phase = 'word';
    }
    if (end) {
      if (blankOk || word.length > 0) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isGoSpace(ch)) {
        phase = 'spaces';
        if (blankOk || word.length > 0) words.push(word);
        word = '';
        blankOk = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
        phase = 'quote';
      }
      if (ch === escape) {
        if (i + 1 === chars.length) continue;
        word += ch;
        ch = chars[++i];
      }
      word += ch;
      continue;
    }
    if (ch === quote) phase = 'word';
    if (ch === escape && quote !== "'") {
      if (i + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      word += ch;
      ch = chars[++i];
    }
    word += ch;
  }
  return words;
}

/**
 * parseJSON: `json.NewDecoder(...).Decode` reads the first JSON value and
 * ignores whatever follows it; a syntax error falls back to the whitespace
 * form, and an array holding anything but strings fails the daemon's parse.
 * Returns undefined for the fallback.
 */
export function parseJsonArray(rest: string): string[] | undefined {
  const text = goTrimLeft(rest);
  if (!text.startsWith('[')) return undefined;
  const end = firstJsonValueEnd(text);
  if (end === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(0, end));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  if (!parsed.every((item) => typeof item === 'string')) {
    throw new UninspectableDockerfile('the daemon refuses a JSON array that holds anything but strings');
  }
  return parsed as string[];
}

/** Where the JSON value that starts text[0] ends (brackets outside strings), or undefined. */
function firstJsonValueEnd(text: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (i >= text.length) return undefined;
    } else if (ch === '[' || ch === '{') {
      depth++;
    } else if (ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}

/** parseStringsWhitespaceDelimited / the fallback of parseMaybeJSONToList: reWhitespace.Split(rest, -1). */
export function whitespaceDelimited(rest: string): string[] {
  return rest === '' ? [] : splitReWhitespace(rest, -1);
}
