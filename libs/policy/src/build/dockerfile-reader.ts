import { DialTarget } from '../rules/dial-target';
import { registryHostOf, urlHostOf } from '../rules/remote-address';
import { escapeDirective, logicalLines, parseJsonArray, parseWords, splitCommand, UninspectableDockerfile, whitespaceDelimited } from './dockerfile-syntax';
import { goLowerKeyword, isGoAs, splitReWhitespace } from './go-text';
import { processWord, UnsupportedWordError, VariableLookup } from './shell-word';

/**
 * Reads a Dockerfile the way the classic builder's parser does, far enough to
 * name every host the daemon will dial because of it: base images (`FROM`),
 * images named by `COPY --from` that are not stages, and `ADD` URLs (also inside
 * `ONBUILD`, which a later build runs); and the images it reads, for ownership
 * mode. Pure: no I/O, no Nest.
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

/** An ARG whose value cannot be worked out here. */
const UNKNOWN = Symbol('unknown');
/** Stage names the builder accepts (parseBuildStageName); anything else after AS is not a stage. */
const STAGE_NAME = /^[a-z][a-z0-9_.-]*$/;
/** Values that may be URLs; the daemon fetches only http:// and https:// (urlutil.IsURL), the rest are checked all the same. */
const URL_LIKE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;

/**
 * A `--from` the daemon reads as a stage index (strconv.ParseInt(s, 10, 0)):
 * one it cannot parse, such as a number past int64, is looked up as an image,
 * and as digits only, by ID prefix. A parsed index names a built stage or fails.
 */
function isGoInt(value: string): boolean {
  const match = /^[+-]?(\d+)$/.exec(value);
  if (!match) return false;
  const magnitude = BigInt(match[1]);
  return value.startsWith('-') ? magnitude <= 2n ** 63n : magnitude < 2n ** 63n;
}

/** An image the build reads (a base image, a `COPY --from` image), and where the Dockerfile names it. */
export interface DockerfileImage {
  /** e.g. 'Dockerfile:3 FROM' or 'Dockerfile:5 COPY --from'. */
  readonly field: string;
  /** As written, with its expansion when that differs. */
  readonly value: string;
  /** After expanding build arguments: what the daemon looks up. */
  readonly reference: string;
  /** A stage's base image (FROM), whose ONBUILD triggers run in that stage. */
  readonly base: boolean;
  /** FROM's `--platform` flag as written, if any: a local image of another platform is pulled. */
  readonly platform?: string;
}

export interface DockerfileReading {
  readonly dialTargets: DialTarget[];
  readonly images: DockerfileImage[];
}

/** The hosts the daemon will dial for this Dockerfile; throws DockerfileRefusal. */
export function dockerfileDialTargets(text: string, options: DockerfileReadOptions = {}): DialTarget[] {
  return readDockerfile(text, options).dialTargets;
}

/** The hosts the daemon will dial and the images it will read for this Dockerfile; throws DockerfileRefusal. */
export function readDockerfile(text: string, options: DockerfileReadOptions = {}): DockerfileReading {
  const name = options.name ?? 'Dockerfile';
  let escape: string;
  try {
    escape = escapeDirective(text);
  } catch (error) {
    if (error instanceof UninspectableDockerfile) throw new DockerfileRefusal('build.context', `${name}:escape`, '', error.message);
    throw error;
  }
  return new Reader(options, escape).read(text);
}

export { logicalLines };

/**
 * The hosts an http(s) URL names: as Go's net/url reads it (the authority runs
 * from "//" to the first "/", after cutting "#" and "?"; the host follows its
 * last "@") and as the WHATWG parser reads it (lower-cased, normalised). Both
 * are checked when they differ. Undefined when Go's is not a plain
 * host[:port] or the WHATWG parser finds no host.
 */
function urlHosts(value: string): string[] | undefined {
  const rest = value.slice(value.indexOf('://') + 3).split('#')[0].split('?')[0];
  const authority = rest.split('/')[0];
  const goHost = authority.slice(authority.lastIndexOf('@') + 1);
  if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:[0-9]*)?$/.test(goHost)) return undefined;
  const whatwg = urlHostOf(value);
  if (whatwg === undefined) return undefined;
  return whatwg === goHost ? [goHost] : [whatwg, goHost];
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
  private readonly images: DockerfileImage[] = [];

  constructor(options: DockerfileReadOptions, private readonly escape: string) {
    this.name = options.name ?? 'Dockerfile';
    this.buildArgs = options.buildArgs ?? {};
  }

  read(text: string): DockerfileReading {
    for (const { line, text: instruction } of logicalLines(text, this.escape)) {
      try {
        this.instruction(line, instruction, false);
      } catch (error) {
        if (!(error instanceof UninspectableDockerfile)) throw error;
        throw new DockerfileRefusal('build.context', `${this.name}:${line}`, instruction, `${error.message}; the Dockerfile cannot be inspected`);
      }
    }
    return { dialTargets: this.targets, images: this.images };
  }

  /** newNodeFromLine: splitCommand, then the instruction's own parser (ONBUILD parses its argument as a line). */
  private instruction(line: number, text: string, onbuild: boolean): void {
    const { keyword, flags, args } = splitCommand(text);
    const field = `${this.name}:${line} ${onbuild ? 'ONBUILD ' : ''}${keyword.toUpperCase()}`;
    switch (keyword) {
      case 'from':
        if (!onbuild) this.from(field, args, flags);
        return;
      case 'arg':
        if (!onbuild) this.arg(field, args);
        return;
      case 'env':
        if (!onbuild && this.inStage) this.env(field, args);
        return;
      case 'copy':
      case 'add':
        this.copyOrAdd(field, keyword, flags, args, onbuild);
        return;
      case 'run':
        this.refuseHeredoc(field, args);
        return;
      case 'onbuild':
        if (!onbuild && args !== '') this.instruction(line, args, true);
        return;
      default:
        return;
    }
  }

  private refuseHeredoc(field: string, args: string): void {
    if (parseJsonArray(args) === undefined && args.includes('<<')) {
      throw new DockerfileRefusal('build.context', field, args, 'heredocs (<<) are not inspected; write the content as a file in the context');
    }
  }

  /** ARG and ENV keys are expanded too (expandKvp); a key that expansion would change is not inspected. */
  private verbatimKey(field: string, key: string): string {
    let expanded: string | undefined;
    try {
      expanded = processWord(key, this.escape, () => {
        throw new UnsupportedWordError('variable');
      });
    } catch {
      expanded = undefined;
    }
    if (expanded !== key) throw new DockerfileRefusal('build.context', field, key, 'a variable name that the builder would expand is not inspected');
    return key;
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

  /**
   * The stages a `--from` may name: those before the current one. The daemon
   * records a stage when it is built (stagesBuildResults.commitStage), so a
   * `COPY --from` naming the stage it is in reads the image of that name.
   */
  private builtStages(): readonly string[] {
    return this.inStage ? this.stages.slice(0, -1) : this.stages;
  }

  /** parseStringsWhitespaceDelimited, parseBuildStageName (strings.EqualFold "as", strings.ToLower). */
  private from(field: string, rest: string, flags: readonly string[] = []): void {
    const args = whitespaceDelimited(rest);
    if (args.length === 0) return;
    const image = this.expand(field, args[0], this.metaLookup);
    this.inStage = true;
    this.stageVars = new Map();
    this.envNames = new Set();
    const stage = args.length >= 3 && isGoAs(args[1]) ? goLowerKeyword(args[2]) : undefined;
    const platform = flags.find((flag) => /^--platform(=|$)/is.test(flag));
    if (image.toLowerCase() !== 'scratch' && !this.stages.includes(image.toLowerCase())) this.image(field, args[0], image, true, platform);
    if (stage !== undefined && STAGE_NAME.test(stage)) this.stages.push(stage);
    else this.stages.push(`\0${this.stages.length}`);
  }

  private image(field: string, written: string, reference: string, base = false, platform?: string): void {
    const value = written === reference ? reference : `${written} (${reference})`;
    this.images.push({ field, value, reference, base, ...(platform === undefined ? {} : { platform }) });
    const host = registryHostOf(reference);
    if (host !== undefined) this.targets.push({ field, value, host });
  }

  private arg(field: string, rest: string): void {
    for (const word of parseWords(rest, this.escape)) {
      const eq = word.indexOf('=');
      const key = this.verbatimKey(field, eq === -1 ? word : word.slice(0, eq));
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

  /** parseNameVal: the legacy `ENV key value with spaces` form splits once on reWhitespace (ASCII), not on the words. */
  private env(field: string, rest: string): void {
    const words = parseWords(rest, this.escape);
    if (words.length > 0 && !words[0].includes('=')) {
      const parts = splitReWhitespace(rest, 2);
      if (parts.length < 2) return; // the daemon refuses the Dockerfile
      this.setEnv(this.verbatimKey(field, parts[0]), this.expandValue(parts[1], this.stageValueLookup));
      return;
    }
    for (const word of words) {
      const eq = word.indexOf('=');
      if (eq === -1) continue; // the daemon refuses the Dockerfile
      this.setEnv(this.verbatimKey(field, word.slice(0, eq)), this.expandValue(word.slice(eq + 1), this.stageValueLookup));
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

  /** parseMaybeJSONToList; every source is expanded (expandSliceInPlace), then fetched when it is a URL. */
  private copyOrAdd(field: string, keyword: string, flags: readonly string[], args: string, onbuild: boolean): void {
    const lookup = this.stageLookup(field, onbuild);
    for (const flag of flags) {
      const match = /^--from=(.*)$/is.exec(flag);
      if (!match) continue;
      const from = this.expand(`${field} --from`, match[1], lookup);
      const isStage = !onbuild && (this.builtStages().includes(from.toLowerCase()) || isGoInt(from));
      if (!isStage) this.image(`${field} --from`, match[1], from);
    }
    const json = parseJsonArray(args);
    if (json === undefined && args.includes('<<')) this.refuseHeredoc(field, args);
    if (keyword !== 'add') return;
    const words = json ?? whitespaceDelimited(args);
    for (const source of words.slice(0, -1)) {
      // Every source is expanded: even a plain-looking word may change (a leading byte-order mark is dropped).
      const value = this.expand(field, source, lookup);
      if (!URL_LIKE.test(value)) continue;
      const hosts = urlHosts(value);
      if (hosts === undefined) throw new DockerfileRefusal('remote-address', field, source, 'an ADD URL must name a plain host[:port]');
      for (const host of hosts) this.targets.push({ field, value: source === value ? value : `${source} (${value})`, host });
    }
  }
}
