import { DialTarget } from '../rules/dial-target';
import { registryHostOf, urlHostOf } from '../rules/remote-address';
import { processWord, UnsupportedWordError, VariableLookup } from './shell-word';

/**
 * Reads a Dockerfile the way the classic builder's parser does, far enough to
 * name every host the daemon will dial because of it: base images (`FROM`),
 * images named by `COPY --from` that are not stages, and `ADD` URLs (also inside
 * `ONBUILD`, which a later build runs). Pure: no I/O, no Nest.
 */

/** Why a Dockerfile cannot be passed, with where it says so. */
export class DockerfileRefusal extends Error {
  constructor(
    readonly rule: 'remote-address' | 'build.context',
    readonly field: string,
    readonly value: string,
    reason: string,
  ) {
    super(reason);
  }
}

export interface DockerfileReadOptions {
  /** The `buildargs` query parameter, decoded (null: declared without a value). */
  readonly buildArgs?: Readonly<Record<string, string | null>>;
  /** Shown in fields: `Dockerfile:3 FROM`. */
  readonly name?: string;
}

interface LogicalLine {
  readonly line: number;
  readonly text: string;
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const ESCAPE_DIRECTIVE_LIKE = /^\s*#\s*escape\s*=/im;
const URL_LIKE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;
/** An ARG whose value cannot be worked out here. */
const UNKNOWN = Symbol('unknown');
const WHITESPACE = /[ \t\r\n\f\v]+/;
/** Go's unicode.IsSpace, which the parser trims with (JavaScript's \s also has U+FEFF). */
const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const COMMENT = new RegExp(`^[${GO_SPACE}]*#`);
const BLANK = new RegExp(`^[${GO_SPACE}]*$`);
const LEADING_SPACE = new RegExp(`^[${GO_SPACE}]+`);
/** Stage names the builder accepts; anything else after AS is not a stage. */
const STAGE_NAME = /^[a-z][a-z0-9_.-]*$/;

/** The hosts the daemon will dial for this Dockerfile; throws DockerfileRefusal. */
export function dockerfileDialTargets(text: string, options: DockerfileReadOptions = {}): DialTarget[] {
  const escape = escapeOf(text, options.name ?? 'Dockerfile');
  // Only `\` and `` ` `` are escape characters. When the file mentions an escape
  // directive at all, read it both ways: whichever the daemon settles on, its
  // instructions are among those read here.
  const escapes = ESCAPE_DIRECTIVE_LIKE.test(text) ? ['\\', '`'] : [escape];
  const targets: DialTarget[] = [];
  const seen = new Set<string>();
  for (const esc of escapes) {
    for (const target of new Reader(options, esc).read(text)) {
      const key = `${target.field}\0${target.value}`;
      if (!seen.has(key)) {
        seen.add(key);
        targets.push(target);
      }
    }
  }
  return targets;
}

function escapeOf(text: string, name: string): string {
  let escape = '\\';
  for (const raw of text.replace(/^\uFEFF/, '').split('\n')) {
    const match = DIRECTIVE.exec(raw.replace(/\r$/, ''));
    if (!match) break;
    if (match[1].toLowerCase() === 'escape') {
      if (match[2] !== '\\' && match[2] !== '`') {
        throw new DockerfileRefusal('build.context', `${name}:escape`, match[2], 'the escape character must be "\\" or "`"');
      }
      escape = match[2];
    }
  }
  return escape;
}

/** Physical lines joined into instructions: comments, blank lines and continuations as the parser treats them. */
export function logicalLines(text: string, escape: string): LogicalLine[] {
  const lines = text.replace(/^\uFEFF/, '').split('\n').map((line) => line.replace(/\r$/, ''));
  const continuation = new RegExp(`${escape === '\\' ? '\\\\' : '`'}[ \\t]*$`);
  const out: LogicalLine[] = [];
  const isComment = (line: string) => COMMENT.test(line);
  const isBlank = (line: string) => BLANK.test(line);
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i];
    if (isComment(first) || isBlank(first)) continue;
    const start = i + 1;
    let text = first.replace(LEADING_SPACE, '');
    let more = continuation.test(text);
    if (more) text = text.replace(continuation, '');
    while (more && i + 1 < lines.length) {
      const next = lines[++i];
      if (isComment(next) || isBlank(next)) continue;
      more = continuation.test(next);
      text += more ? next.replace(continuation, '') : next;
    }
    if (text.trim() !== '') out.push({ line: start, text });
  }
  return out;
}

/** The builder's flag extraction: leading `--name[=value]` words, with quotes and backslash escapes. */
export function extractFlags(line: string): { rest: string; flags: string[] } {
  const flags: string[] = [];
  let pos = 0;
  for (;;) {
    while (pos < line.length && /\s/.test(line[pos])) pos++;
    if (pos >= line.length) return { rest: '', flags };
    if (!line.startsWith('--', pos)) return { rest: line.slice(pos), flags };
    let word = '';
    let quote = '';
    let blankOk = false;
    for (; pos < line.length; pos++) {
      const ch = line[pos];
      if (quote) {
        if (ch === quote) quote = '';
        else if (ch === '\\' && pos + 1 < line.length) word += line[++pos];
        else if (ch !== '\\') word += ch;
        continue;
      }
      if (/\s/.test(ch)) break;
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
      } else if (ch === '\\') {
        if (pos + 1 < line.length) word += line[++pos];
      } else {
        word += ch;
      }
    }
    if (word === '--') return { rest: line.slice(pos).trimStart(), flags };
    if (blankOk || word.length > 0) flags.push(word);
  }
}

/** `["a", "b"]` when the arguments are a JSON array of strings, else undefined. */
function jsonArgs(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(rest);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Splits `k=v k2="v 2"` words the way ARG and ENV do, keeping quotes for the word processor. */
function splitWords(text: string, escape: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      word += ch;
      if (ch === escape && quote === '"' && i + 1 < text.length) word += text[++i];
      else if (ch === quote) quote = '';
      continue;
    }
    if (/\s/.test(ch)) {
      if (word) words.push(word);
      word = '';
      continue;
    }
    word += ch;
    if (ch === escape && i + 1 < text.length) word += text[++i];
    else if (ch === '"' || ch === "'") quote = ch;
  }
  if (word) words.push(word);
  return words;
}

const BUILTIN_BUILD_ARGS = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);

class Reader {
  private readonly name: string;
  private readonly buildArgs: Readonly<Record<string, string | null>>;
  /** ARGs before the first FROM: the only variables FROM sees. */
  private readonly meta = new Map<string, string | undefined | typeof UNKNOWN>();
  private readonly stages: string[] = [];
  private inStage = false;
  /** Variables whose value this stage sets (ARG with a value, ENV); any other may come from the base image. */
  private stageVars = new Map<string, string>();
  private readonly targets: DialTarget[] = [];

  constructor(options: DockerfileReadOptions, private readonly escape: string) {
    this.name = options.name ?? 'Dockerfile';
    this.buildArgs = options.buildArgs ?? {};
  }

  read(text: string): DialTarget[] {
    for (const { line, text: instruction } of logicalLines(text, this.escape)) {
      this.instruction(line, instruction, false);
    }
    return this.targets;
  }

  private instruction(line: number, text: string, onbuild: boolean): void {
    const trimmed = text.trim();
    const word = trimmed.split(WHITESPACE)[0];
    const keyword = word.toLowerCase();
    const rest = trimmed.slice(word.length).trim();
    const field = `${this.name}:${line} ${onbuild ? 'ONBUILD ' : ''}${keyword.toUpperCase()}`;
    switch (keyword) {
      case 'from':
        if (!onbuild) this.from(field, rest);
        return;
      case 'arg':
        if (!onbuild) this.arg(rest);
        return;
      case 'env':
        if (!onbuild && this.inStage) this.env(rest);
        return;
      case 'copy':
      case 'add':
        this.copyOrAdd(field, keyword, rest, onbuild);
        return;
      case 'run':
        this.refuseHeredoc(field, rest);
        return;
      case 'onbuild':
        if (!onbuild && rest !== '') this.instruction(line, rest, true);
        return;
      default:
        return;
    }
  }

  private refuseHeredoc(field: string, rest: string): void {
    if (jsonArgs(extractFlags(rest).rest) === undefined && rest.includes('<<')) {
      throw new DockerfileRefusal('build.context', field, rest, 'heredocs (<<) are not inspected; write the content as a file in the context');
    }
  }

  private expand(field: string, word: string, lookup: VariableLookup): string {
    let value: string;
    try {
      value = processWord(word, this.escape, lookup);
    } catch (error) {
      if (error instanceof DockerfileRefusal) throw error;
      throw new DockerfileRefusal('remote-address', field, word, `cannot tell what this names (${(error as Error).message})`);
    }
    if (value.includes('$')) {
      throw new DockerfileRefusal('remote-address', field, word, 'a reference that still contains "$" after expanding build arguments is not allowed');
    }
    return value;
  }

  private readonly metaLookup: VariableLookup = (name) => {
    // The builder lets the proxy build args through undeclared (moby's
    // builtinAllowedBuildArgs), so a --build-arg HTTP_PROXY reaches FROM.
    if (!this.meta.has(name) && BUILTIN_BUILD_ARGS.has(name)) {
      const given = Object.prototype.hasOwnProperty.call(this.buildArgs, name) ? this.buildArgs[name] : null;
      return typeof given === 'string' ? given : undefined;
    }
    const value = this.meta.get(name);
    if (value === UNKNOWN) throw new UnsupportedWordError(`the value of ${name} cannot be worked out`);
    return value;
  };

  /** For ARG/ENV values inside a stage: a variable the stage does not set is unknown. */
  private readonly stageValueLookup: VariableLookup = (name) => {
    const value = this.stageVars.get(name);
    if (value === undefined) throw new UnsupportedWordError(`the value of ${name} is not known`);
    return value;
  };

  /** Inside a stage: a variable the Dockerfile does not set may come from the base image's ENV. */
  private stageLookup(field: string, onbuild: boolean): VariableLookup {
    return (name) => {
      const value = onbuild ? undefined : this.stageVars.get(name);
      if (value === undefined) {
        throw new DockerfileRefusal('remote-address', field, `$${name}`, `the value of ${name} is not known before the build (it may come from the base image)`);
      }
      return value;
    };
  }

  private from(field: string, rest: string): void {
    const args = extractFlags(rest).rest.split(WHITESPACE).filter(Boolean);
    if (args.length === 0) return;
    const image = this.expand(field, args[0], this.metaLookup);
    this.inStage = true;
    this.stageVars = new Map();
    this.envNames = new Set();
    const stage = args.length >= 3 && args[1].toLowerCase() === 'as' ? args[2].toLowerCase() : undefined;
    if (image.toLowerCase() !== 'scratch' && !this.stages.includes(image.toLowerCase())) this.image(field, args[0], image);
    if (stage !== undefined && STAGE_NAME.test(stage)) this.stages.push(stage);
    else this.stages.push(`\0${this.stages.length}`);
  }

  private image(field: string, written: string, reference: string): void {
    const host = registryHostOf(reference);
    if (host !== undefined) this.targets.push({ field, value: written === reference ? reference : `${written} (${reference})`, host });
  }

  private arg(rest: string): void {
    for (const word of splitWords(rest, this.escape)) {
      const eq = word.indexOf('=');
      const key = eq === -1 ? word : word.slice(0, eq);
      const given = Object.prototype.hasOwnProperty.call(this.buildArgs, key) ? this.buildArgs[key] : null;
      if (!this.inStage) {
        let value: string | undefined | typeof UNKNOWN;
        if (typeof given === 'string') value = given;
        else if (eq !== -1) value = this.expandValue(word.slice(eq + 1), this.metaLookup) ?? UNKNOWN;
        this.meta.set(key, value);
        continue;
      }
      let value: string | undefined;
      if (typeof given === 'string') value = given;
      else if (eq !== -1) value = this.expandValue(word.slice(eq + 1), this.stageValueLookup);
      else {
        const meta = this.meta.get(key);
        value = meta === UNKNOWN ? undefined : meta;
      }
      // ENV wins over ARG of the same name; an ARG whose value is not known here is unknown.
      if (this.envNames.has(key)) continue;
      if (value !== undefined) this.stageVars.set(key, value);
      else this.stageVars.delete(key);
    }
  }

  private envNames = new Set<string>();

  private env(rest: string): void {
    const words = splitWords(rest, this.escape);
    if (words.length > 0 && !words[0].includes('=')) {
      // Legacy `ENV key value with spaces`.
      const key = words[0];
      this.setEnv(key, this.expandValue(rest.slice(rest.indexOf(key) + key.length).trim(), this.stageValueLookup));
      return;
    }
    for (const word of words) {
      const eq = word.indexOf('=');
      if (eq === -1) continue;
      this.setEnv(word.slice(0, eq), this.expandValue(word.slice(eq + 1), this.stageValueLookup));
    }
  }

  private setEnv(key: string, value: string | undefined): void {
    this.envNames.add(key);
    // A value that cannot be worked out is unknown: forget the variable.
    if (value === undefined) this.stageVars.delete(key);
    else this.stageVars.set(key, value);
  }

  /** An ARG/ENV value; undefined when it cannot be worked out (then it is treated as unknown). */
  private expandValue(word: string, lookup: VariableLookup): string | undefined {
    try {
      return processWord(word, this.escape, lookup);
    } catch (error) {
      if (error instanceof UnsupportedWordError) return undefined;
      throw error;
    }
  }

  private copyOrAdd(field: string, keyword: string, rest: string, onbuild: boolean): void {
    const { rest: args, flags } = extractFlags(rest);
    const lookup = this.stageLookup(field, onbuild);
    for (const flag of flags) {
      const match = /^--from=(.*)$/is.exec(flag);
      if (!match) continue;
      const from = this.expand(`${field} --from`, match[1], lookup);
      const isStage = !onbuild && (this.stages.includes(from.toLowerCase()) || /^\d+$/.test(from));
      if (!isStage) this.image(`${field} --from`, match[1], from);
    }
    const json = jsonArgs(args);
    if (json === undefined && args.includes('<<')) this.refuseHeredoc(field, args);
    if (keyword !== 'add') return;
    const words = json ?? args.split(WHITESPACE).filter(Boolean);
    for (const source of words.slice(0, -1)) {
      // Only a source that can be a URL needs its variables worked out.
      if (!source.includes('$') && !source.includes(this.escape) && !URL_LIKE.test(source) && !/['"]/.test(source)) continue;
      const value = this.expand(field, source, lookup);
      if (!URL_LIKE.test(value)) continue;
      const host = urlHostOf(value);
      if (host === undefined) throw new DockerfileRefusal('remote-address', field, source, 'an ADD URL must name a host');
      this.targets.push({ field, value: source === value ? value : `${source} (${value})`, host });
    }
  }
}
