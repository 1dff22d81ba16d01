import { parseResourceOptions, RESTRICTED_RESOURCES, ResourceOptions } from './resource-options';

/** A host directory that may be bind-mounted (shared caches), and how. */
export interface HostBindPrefix {
  readonly path: string;
  readonly readOnly: boolean;
}

/**
 * Named loosenings of the default "restricted" policy, each off by default. An
 * operator opts in through the policy file (POLICY_FILE).
 */
export interface PolicyOptions {
  readonly name: string;
  /** Forward what would be denied by a rule, recording the would-be denial. */
  readonly dryRun: boolean;
  /** Capabilities CapAdd may name (upper case, without CAP_). */
  readonly allowedCapabilities: readonly string[];
  readonly hostBindPrefixes: readonly HostBindPrefix[];
  readonly portPublishing: { readonly enabled: boolean; readonly range?: readonly [number, number] };
  /** Sysctls the kernel namespaces per container (net.*, IPC ones, fs.mqueue.*). */
  readonly namespacedSysctls: boolean;
  readonly remoteBuildContexts: boolean;
  readonly hostNetwork: boolean;
  /**
   * BuildKit builds (`/session`, `/grpc`, `/build?version=2`), on by default
   * (off by default when `ownership` is on).
   * Much of a BuildKit build travels inside `/grpc` where the proxy does not
   * read it, so what holds there is enforced where the daemon acts: its
   * network.host and security.insecure entitlements are off, the kernel refuses
   * its connections to the neighbourhood, and (DOCKERD_CGROUP) a cgroup parent
   * a build names lands inside the daemon's own bounded cgroup. The classic
   * query rules still apply to `/build?version=2`. Off: classic builds only.
   */
  readonly buildkitSessions: boolean;
  /**
   * Several clients share one daemon and must not touch each other's objects:
   * every container, volume, network and image a client creates carries the
   * owner label (its identity), another identity cannot see or act on it, and
   * lists are filtered. Off by default: a single-tenant CI service has one
   * client, and the label would only be noise there.
   */
  readonly ownership: boolean;
  /** Defaults and ceilings for what containers may use; on in "restricted" too. */
  readonly resources: ResourceOptions;
}

export const RESTRICTED: PolicyOptions = {
  name: 'restricted',
  dryRun: false,
  allowedCapabilities: [],
  hostBindPrefixes: [],
  portPublishing: { enabled: false },
  namespacedSysctls: false,
  remoteBuildContexts: false,
  hostNetwork: false,
  buildkitSessions: true,
  ownership: false,
  resources: RESTRICTED_RESOURCES,
};

export class PolicyOptionsError extends Error {}

const KNOWN_KEYS = new Set(Object.keys(RESTRICTED));
// Capabilities that are the host's whole power whatever else holds.
const NEVER_GRANTED = new Set(['ALL', 'SYS_ADMIN', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_PTRACE', 'SYS_BOOT', 'MAC_ADMIN', 'MAC_OVERRIDE', 'DAC_READ_SEARCH', 'BPF', 'PERFMON', 'SYSLOG']);

export function normalizeCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

/**
 * Validates a parsed policy file into options; every problem is reported as
 * `path: why`, and an unknown key is a problem (a typo must not silently keep
 * the default).
 */
export function parsePolicyOptions(raw: unknown, source: string): PolicyOptions {
  const problems: string[] = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new PolicyOptionsError(`${source}: must be a mapping of options`);
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) if (!KNOWN_KEYS.has(key)) problems.push(`${key}: unknown option (known: ${[...KNOWN_KEYS].join(', ')})`);
  const bool = (key: keyof PolicyOptions): boolean => {
    const value = input[key] ?? RESTRICTED[key];
    if (typeof value !== 'boolean') problems.push(`${key}: must be true or false`);
    return value === true;
  };
  const name = input.name ?? RESTRICTED.name;
  if (typeof name !== 'string' || name === '') problems.push('name: must be a non-empty string');

  const capabilities = (input.allowedCapabilities ?? []) as unknown;
  const allowedCapabilities: string[] = [];
  if (!Array.isArray(capabilities)) problems.push('allowedCapabilities: must be a list');
  else
    capabilities.forEach((cap, i) => {
      if (typeof cap !== 'string') return problems.push(`allowedCapabilities[${i}]: must be a string`);
      const normalized = normalizeCapability(cap);
      if (!/^[A-Z_]+$/.test(normalized)) problems.push(`allowedCapabilities[${i}]: ${JSON.stringify(cap)} is not a capability name`);
      else if (NEVER_GRANTED.has(normalized)) problems.push(`allowedCapabilities[${i}]: ${normalized} amounts to root on the host and cannot be allowed`);
      else allowedCapabilities.push(normalized);
    });

  const prefixes = (input.hostBindPrefixes ?? []) as unknown;
  const hostBindPrefixes: HostBindPrefix[] = [];
  if (!Array.isArray(prefixes)) problems.push('hostBindPrefixes: must be a list');
  else
    prefixes.forEach((entry, i) => {
      const prefix = (typeof entry === 'string' ? { path: entry, readOnly: true } : entry) as Record<string, unknown>;
      const path = prefix?.path;
      if (typeof path !== 'string' || !path.startsWith('/') || path === '/' || path.split('/').some((s, j) => j > 0 && (s === '' || s === '.' || s === '..'))) {
        problems.push(`hostBindPrefixes[${i}].path: must be an absolute, normalised path other than /`);
      } else if (prefix.readOnly !== undefined && typeof prefix.readOnly !== 'boolean') {
        problems.push(`hostBindPrefixes[${i}].readOnly: must be true or false`);
      } else hostBindPrefixes.push({ path, readOnly: prefix.readOnly !== false });
    });

  const ports = (input.portPublishing ?? RESTRICTED.portPublishing) as Record<string, unknown>;
  let portPublishing: PolicyOptions['portPublishing'] = { enabled: false };
  if (typeof ports !== 'object' || ports === null || typeof ports.enabled !== 'boolean') problems.push('portPublishing.enabled: must be true or false');
  else {
    const range = ports.range;
    const validRange = Array.isArray(range) && range.length === 2 && range.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535) && range[0] <= range[1];
    if (range !== undefined && !validRange) problems.push('portPublishing.range: must be [first, last] ports with first <= last');
    portPublishing = { enabled: ports.enabled, range: validRange ? [range[0], range[1]] : undefined };
  }

  const options: PolicyOptions = {
    name: String(name),
    dryRun: bool('dryRun'),
    allowedCapabilities,
    hostBindPrefixes,
    portPublishing,
    namespacedSysctls: bool('namespacedSysctls'),
    remoteBuildContexts: bool('remoteBuildContexts'),
    hostNetwork: bool('hostNetwork'),
    // With ownership on, BuildKit is off unless the file says otherwise: what a
    // BuildKit build reads (its Dockerfile, local images) and how it labels and
    // names its image travel in the session, where the proxy does not look.
    buildkitSessions: input.buildkitSessions === undefined && input.ownership === true ? false : bool('buildkitSessions'),
    ownership: bool('ownership'),
    resources: parseResourceOptions(input.resources, problems),
  };
  if (problems.length > 0) throw new PolicyOptionsError(`${source}:\n  ${problems.join('\n  ')}`);
  return options;
}
