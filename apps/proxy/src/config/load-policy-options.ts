import { unescapeMountPath } from '@dind/daemon';
import { parsePolicyOptions, PolicyOptions, PolicyOptionsError, RESTRICTED } from '@dind/policy';
import { readFileSync, realpathSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './load-app-config';

/** The policy file (YAML or JSON) named by POLICY_FILE, or "restricted" without one. */
export function loadPolicyOptions(path: string): PolicyOptions {
  if (path === '') return RESTRICTED;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`POLICY_FILE=${path}: cannot read it (${(error as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    throw new ConfigError(`POLICY_FILE=${path}: not valid YAML/JSON (${(error as Error).message})`);
  }
  try {
    return parsePolicyOptions(raw ?? {}, `POLICY_FILE=${path}`);
  } catch (error) {
    if (error instanceof PolicyOptionsError) throw new ConfigError(error.message);
    throw error;
  }
}

/** Where a bind of `path` would really point on this host; undefined when it does not exist. */
export function resolveHostPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Whether another filesystem is mounted beneath `path` in any of the given
 * mount tables: this process's and, when the service runs the daemon, the
 * daemon's own. The daemon has a mount namespace of its own (see the daemon's
 * cgroup), which receives the host's later mounts only where they propagate,
 * and keeps mounts the host has since removed: both views count. True when a
 * table cannot be read: a read-only bind is then refused, not trusted.
 */
export function hasMountsBelow(path: string, mountTables: readonly string[] = ['/proc/self/mountinfo']): boolean {
  const below = path.endsWith('/') ? path : `${path}/`;
  try {
    return mountTables.some((table) =>
      readFileSync(table, 'utf8')
        .split('\n')
        .some((line) => unescapeMountPath(line.split(' ')[4] ?? '').startsWith(below)),
    );
  } catch {
    return true;
  }
}

/** The mount tables a read-only bind is judged by: ours, and the supervised daemon's while it runs. */
export function mountTablesWith(daemonPid: () => number | undefined): () => string[] {
  return () => {
    const pid = daemonPid();
    return pid === undefined ? ['/proc/self/mountinfo'] : ['/proc/self/mountinfo', `/proc/${pid}/mountinfo`];
  };
}
