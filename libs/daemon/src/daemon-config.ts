import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * BuildKit entitlements the daemon must never grant, whatever a build asks:
 * `network.host` runs build steps in the daemon's (the service's) network
 * namespace, `security.insecure` runs them privileged.
 */
export const ENFORCED_BUILDER_ENTITLEMENTS = { 'network-host': false, 'security-insecure': false } as const;

// Set by dind-service itself: another listener would expose the unfiltered
// daemon; the paths are where the supervisor finds the daemon it runs.
const RESERVED_KEYS = new Set(['hosts', 'tls', 'tlsverify', 'tlscacert', 'tlscert', 'tlskey', 'data-root', 'exec-root', 'pidfile', 'group']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

// dockerd decodes its config file with Go's encoding/json: keys match fields
// case-insensitively and a later duplicate wins. So every spelling of a key we
// enforce is dropped and ours is written last.
const withoutKey = (object: Record<string, unknown>, key: string) =>
  Object.fromEntries(Object.entries(object).filter(([name]) => name.toLowerCase() !== key));

/** What the service itself requires of the daemon beyond its fixed settings. */
export interface DaemonRequirements {
  /**
   * Containers on the default bridge may not reach each other (`icc: false`):
   * with ownership, the default bridge is every client's network.
   */
  readonly isolateDefaultBridge?: boolean;
}

/**
 * The daemon configuration dind-service runs dockerd with: the operator's own
 * file (if any), with the builder entitlements forced off (and, when required,
 * inter-container traffic on the default bridge). Throws on keys that would add
 * a listener or move the daemon's paths.
 */
export function enforcedDaemonConfig(base: unknown, source: string, requirements: DaemonRequirements = {}): Record<string, unknown> {
  if (!isObject(base)) throw new Error(`${source}: must be a JSON object`);
  const reserved = Object.keys(base).filter((key) => RESERVED_KEYS.has(key.toLowerCase()));
  if (reserved.length > 0) {
    throw new Error(`${source}: ${reserved.join(', ')}: set by dind-service itself (an extra listener or path would bypass the proxy)`);
  }
  const builderEntry = Object.entries(base).filter(([key]) => key.toLowerCase() === 'builder').pop()?.[1];
  const builder = isObject(builderEntry) ? withoutKey(builderEntry, 'entitlements') : {};
  const enforced = { ...withoutKey(base, 'builder'), builder: { ...builder, Entitlements: { ...ENFORCED_BUILDER_ENTITLEMENTS } } };
  return requirements.isolateDefaultBridge ? { ...withoutKey(enforced, 'icc'), icc: false } : enforced;
}

/** Writes the enforced configuration to `target` (in the private run directory) for `--config-file`. */
export function writeDaemonConfig(baseFile: string | undefined, target: string, requirements: DaemonRequirements = {}): void {
  const base = baseFile && existsSync(baseFile) ? parseConfigFile(baseFile) : {};
  writeFileSync(target, `${JSON.stringify(enforcedDaemonConfig(base, baseFile ?? 'daemon config', requirements), null, 2)}\n`, { mode: 0o600 });
}

function parseConfigFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
}
