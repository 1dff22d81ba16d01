/**
 * Image references read the way the daemon's reference library reads them
 * (github.com/distribution/reference, vendored in moby; docker/distribution's
 * copy in moby v20.10). What matters for the policy is the *domain*: the host
 * the daemon dials for a pull, a push, a distribution inspect or a build's
 * FROM. Each step below names the Go code it mirrors.
 */

/** Which vendored copy of the library: moby v20.10, or distribution/reference ≥ v0.5 (moby 25+). */
export type ReferenceDialect = 'v20.10' | 'current';

export interface ImageReference {
  /** The registry host[:port] ('docker.io' for Docker Hub). */
  readonly domain: string;
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

export interface ReferenceError {
  readonly error: string;
}

/** reference.defaultDomain / legacyDefaultDomain / officialRepoPrefix. */
export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';

// regexp.go. `domainNameComponent` and `optionalPort` are the same in both copies;
// `ipv6address` exists only in the current one (v0.5: "[::1]:5000/foo").
const DOMAIN_NAME = String.raw`(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*`;
const IPV6_ADDRESS = String.raw`\[(?:[a-fA-F0-9:]+)\]`;
const OPTIONAL_PORT = String.raw`(?::[0-9]+)?`;
const TAG = String.raw`[\w][\w.-]{0,127}`;
const DIGEST = String.raw`[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}`;
// The separator: v20.10 `[-]*` (so "a--b" and "ab" alike), current `[-]+`.
const SEPARATOR: Record<ReferenceDialect, string> = { 'v20.10': String.raw`(?:[._]|__|[-]*)`, current: String.raw`(?:[._]|__|[-]+)` };

function grammar(dialect: ReferenceDialect): { reference: RegExp; name: RegExp } {
  const host = dialect === 'current' ? `(?:${DOMAIN_NAME}|${IPV6_ADDRESS})` : DOMAIN_NAME;
  const domainAndPort = host + OPTIONAL_PORT;
  const pathComponent = `[a-z0-9]+(?:${SEPARATOR[dialect]}[a-z0-9]+)*`;
  const remoteName = `${pathComponent}(?:/${pathComponent})*`;
  const name = `(?:${domainAndPort}/)?${remoteName}`;
  return {
    // ReferenceRegexp: anchored(capture(name), optional(":", capture(tag)), optional("@", capture(digest)))
    reference: new RegExp(`^(${name})(?::(${TAG}))?(?:@(${DIGEST}))?$`),
    // anchoredNameRegexp: anchored(optional(capture(domainAndPort), "/"), capture(remoteName))
    name: new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`),
  };
}

const GRAMMARS: Record<ReferenceDialect, { reference: RegExp; name: RegExp }> = { 'v20.10': grammar('v20.10'), current: grammar('current') };
const ANCHORED_IDENTIFIER = /^[a-f0-9]{64}$/;
// reference.RepositoryNameTotalLengthMax
const NAME_TOTAL_LENGTH_MAX = 255;

/**
 * splitDockerDomain. The first '/'-separated component is the domain when it
 * is `localhost`, contains '.' or ':' — and, in the current copy only, when it
 * is not all lowercase ("uppercase namespaces are not allowed, so … we assume
 * it to be a domain-name"). `index.docker.io` is Docker Hub; a Hub name
 * without '/' gets `library/`.
 */
export function splitDockerDomain(name: string, dialect: ReferenceDialect = 'current'): { domain: string; remainder: string } {
  const slash = name.indexOf('/');
  let domain = DEFAULT_DOMAIN;
  let remainder = name;
  if (slash !== -1) {
    const first = name.slice(0, slash);
    const isHost = first === 'localhost' || /[.:]/.test(first) || (dialect === 'current' && first.toLowerCase() !== first);
    if (isHost) {
      domain = first;
      remainder = name.slice(slash + 1);
    }
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

/** reference.ParseNormalizedNamed: what the daemon accepts as a repository reference, or its error. */
export function parseNormalizedNamed(value: string, dialect: ReferenceDialect = 'current'): ImageReference | ReferenceError {
  if (ANCHORED_IDENTIFIER.test(value)) return { error: 'cannot specify 64-byte hexadecimal strings' };
  const { domain, remainder } = splitDockerDomain(value, dialect);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep === -1 ? remainder : remainder.slice(0, tagSep);
  if (remote.toLowerCase() !== remote) return { error: 'repository name must be lowercase' };
  // reference.Parse(domain + "/" + remainder)
  const whole = GRAMMARS[dialect].reference.exec(`${domain}/${remainder}`);
  if (!whole) return { error: 'invalid reference format' };
  const named = GRAMMARS[dialect].name.exec(whole[1]);
  if (!named || named[1] === undefined) return { error: 'invalid reference format' };
  if (named[2].length > NAME_TOTAL_LENGTH_MAX) return { error: 'repository name must not be more than 255 characters' };
  return { domain: named[1], path: named[2], tag: whole[2], digest: whole[3] };
}

/**
 * The registry host the daemon may dial for an image reference, or undefined
 * for Docker Hub. It is the domain that splitDockerDomain picks in the current
 * copy of the library, whose rule includes v20.10's, so a daemon of either
 * version dials nothing else. It is answered even for references that do not
 * parse: a daemon that refuses the name dials nothing, and one whose grammar
 * is wider than ours (a later version) must not get an unchecked host.
 */
export function registryHostOf(reference: string): string | undefined {
  const { domain } = splitDockerDomain(reference, 'current');
  return domain === DEFAULT_DOMAIN ? undefined : domain;
}
