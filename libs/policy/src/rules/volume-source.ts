import { Finding, RuleContext, eachEntry, isAbsent, isEmptyMap, isEmptyString } from './field-rule';

// The daemon's own rule for volume names; anything else in a bind source is a
// host path (absolute, relative, `~`, or a Windows-style drive).
export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const BIND_MODES = new Set(['ro', 'rw', 'nocopy']);
// Propagation other than private would let mounts cross between host and container.
const HOST_BIND_MODES = new Set(['ro', 'rw', 'private', 'rprivate']);

/**
 * `HostConfig.Binds`: `name:/path[:mode]` (a named volume) or `/path` (an
 * anonymous volume). A host path is the one thing a bind must never name.
 */
export function checkBinds(value: unknown, context: RuleContext): Finding | undefined {
  return eachEntry(value, (entry, index) => {
    const field = `Binds[${index}]`;
    if (typeof entry !== 'string') return { reason: 'must be a string', field, value: entry };
    const parts = entry.split(':');
    if (parts.length === 1) {
      return entry.startsWith('/') ? undefined : { reason: 'an anonymous volume needs an absolute container path', field, value: entry };
    }
    if (parts.length > 3) return { reason: 'expected volume:/container/path[:options]', field, value: entry };
    const [source, target, modes = ''] = parts;
    if (source.startsWith('/') && context.options.hostBindPrefixes.length > 0) {
      const reason = hostBindRefusal(source, modes.split(',').includes('ro'), context);
      if (reason) return { reason, field, value: entry };
    } else if (!VOLUME_NAME.test(source)) {
      return {
        reason: 'binds may only name volumes (name:/path[:ro]); host paths cannot be mounted',
        field,
        value: entry,
      };
    }
    if (!target.startsWith('/')) return { reason: 'the container path must be absolute', field, value: entry };
    const allowedModes = source.startsWith('/') ? HOST_BIND_MODES : BIND_MODES;
    const bad = modes === '' ? undefined : modes.split(',').find((mode) => !allowedModes.has(mode));
    if (bad !== undefined) {
      return { reason: `bind option ${JSON.stringify(bad)} is not allowed (allowed: ro, rw, nocopy)`, field, value: entry };
    }
    return undefined;
  });
}

/**
 * `HostConfig.Mounts`: only volumes (of the local driver, without the driver
 * options that turn a volume into a bind of any host path) and tmpfs.
 */
export function checkMounts(value: unknown, context: RuleContext): Finding | undefined {
  return eachEntry(value, (entry, index) => {
    const field = `Mounts[${index}]`;
    if (entry === null || typeof entry !== 'object') return { reason: 'must be an object', field, value: entry };
    const mount = entry as Record<string, unknown>;
    if (mount.Type === 'tmpfs') {
      if (!isEmptyString(mount.Source)) return { reason: 'a tmpfs mount has no source', field: `${field}.Source`, value: mount.Source };
      if (!isAbsent(mount.VolumeOptions)) return { reason: 'a tmpfs mount takes no volume options', field: `${field}.VolumeOptions`, value: mount.VolumeOptions };
    } else if (mount.Type === 'volume') {
      if (!isEmptyString(mount.Source) && !(typeof mount.Source === 'string' && VOLUME_NAME.test(mount.Source))) {
        return { reason: 'a volume mount must name a volume', field: `${field}.Source`, value: mount.Source };
      }
      const finding = checkVolumeOptions(mount.VolumeOptions, `${field}.VolumeOptions`);
      if (finding) return finding;
      if (!isAbsent(mount.TmpfsOptions)) return { reason: 'a volume mount takes no tmpfs options', field: `${field}.TmpfsOptions`, value: mount.TmpfsOptions };
    } else if (mount.Type === 'bind' && context.options.hostBindPrefixes.length > 0) {
      const reason = typeof mount.Source === 'string' ? hostBindRefusal(mount.Source, mount.ReadOnly === true, context) : 'a bind mount needs a source';
      if (reason) return { reason, field: `${field}.Source`, value: mount.Source };
      const options = (mount.BindOptions ?? {}) as Record<string, unknown>;
      if (!['', 'private', 'rprivate', undefined, null].includes(options.Propagation as string)) {
        return { reason: 'bind propagation may only be private', field: `${field}.BindOptions.Propagation`, value: options.Propagation };
      }
      if (options.CreateMountpoint === true) return { reason: 'creating host directories is not allowed', field: `${field}.BindOptions.CreateMountpoint`, value: true };
      return checkTarget(mount, field);
    } else {
      return {
        reason: 'only mounts of type volume and tmpfs are allowed; bind, image, npipe and cluster mounts reach outside the sandbox',
        field: `${field}.Type`,
        value: mount.Type,
      };
    }
    if (!isAbsent(mount.BindOptions)) return { reason: 'bind options are not allowed', field: `${field}.BindOptions`, value: mount.BindOptions };
    return checkTarget(mount, field);
  });
}

function checkTarget(mount: Record<string, unknown>, field: string): Finding | undefined {
  if (typeof mount.Target !== 'string' || !mount.Target.startsWith('/')) {
    return { reason: 'the container path must be absolute', field: `${field}.Target`, value: mount.Target };
  }
  return undefined;
}

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/**
 * A host bind is allowed only inside a prefix the operator listed, as written
 * and after symlinks are resolved (a symlink planted in a shared cache must not
 * lead out of it), and read-only where the prefix says so.
 */
function hostBindRefusal(path: string, readOnly: boolean, context: RuleContext): string | undefined {
  const prefixes = context.options.hostBindPrefixes;
  const listed = prefixes.map((p) => `${p.path}${p.readOnly ? ' (read-only)' : ''}`).join(', ');
  if (path.split('/').slice(1).some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return 'a host path must be normalised (no empty, . or .. segments)';
  }
  const resolved = context.resolveHostPath(path);
  if (resolved === undefined) return 'the host path does not exist (the daemon would create it)';
  const prefix = prefixes.find((p) => under(path, p.path) && under(resolved, p.path));
  if (!prefix) return `host paths may only be mounted from ${listed}`;
  if (prefix.readOnly && !readOnly) return `${prefix.path} may only be mounted read-only (add :ro)`;
  return undefined;
}

function checkVolumeOptions(value: unknown, field: string): Finding | undefined {
  if (isAbsent(value) || typeof value !== 'object') return undefined;
  const options = value as Record<string, unknown>;
  const driver = options.DriverConfig as Record<string, unknown> | null | undefined;
  if (!isAbsent(driver)) {
    if (!isEmptyString(driver!.Name) && driver!.Name !== 'local') {
      return { reason: 'only the local volume driver is allowed', field: `${field}.DriverConfig.Name`, value: driver!.Name };
    }
    if (!isEmptyMap(driver!.Options)) {
      return {
        reason: 'volume driver options are not allowed (the local driver\'s type/o/device options bind host paths)',
        field: `${field}.DriverConfig.Options`,
        value: driver!.Options,
      };
    }
  }
  const subpath = options.Subpath;
  if (typeof subpath === 'string' && subpath !== '' && (subpath.startsWith('/') || subpath.split('/').includes('..'))) {
    return { reason: 'a volume subpath must stay inside the volume', field: `${field}.Subpath`, value: subpath };
  }
  return undefined;
}
