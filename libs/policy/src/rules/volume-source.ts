import { Finding, RuleContext, eachEntry, isAbsent, isEmptyMap, isEmptyString } from './field-rule';
import { checkTmpfsMountOptions } from './tmpfs-options.rules';

// The daemon's own rule for volume names; anything else in a bind source is a
// host path (absolute, relative, `~`, or a Windows-style drive).
export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/**
 * The mode word of a bind (`src:/dst:mode`), as the daemon's linux parser reads
 * it (ValidateMountMode): comma-separated, at most one word of each class.
 * Each class says why it grants nothing where it is allowed.
 */
const MODE_CLASSES: ReadonlyArray<{ readonly name: string; readonly words: readonly string[]; readonly onVolume: boolean; readonly onHostPath: boolean }> = [
  { name: 'read-write', words: ['ro', 'rw'], onVolume: true, onHostPath: true },
  // SELinux relabelling of the mount's source: a volume's own directory under
  // the daemon's data root (a no-op without SELinux). On a host path it would
  // relabel the host's files, so not there.
  { name: 'label', words: ['z', 'Z'], onVolume: true, onHostPath: false },
  // Whether the image's files are copied into a new volume; the daemon refuses it on a host path.
  { name: 'copy', words: ['nocopy'], onVolume: true, onHostPath: false },
  // Docker Desktop's file-sharing hints: no effect on Linux.
  { name: 'consistency', words: ['consistent', 'cached', 'delegated'], onVolume: true, onHostPath: true },
  // The daemon refuses propagation on a volume (BindOptions); on a host path
  // only private keeps the host's mounts from crossing over.
  { name: 'propagation', words: ['private', 'rprivate'], onVolume: false, onHostPath: true },
];

/** Why a bind's mode word is refused, or undefined. */
export function bindModeRefusal(modes: string, hostPath: boolean): string | undefined {
  if (modes === '') return undefined;
  const where = hostPath ? 'onHostPath' : 'onVolume';
  const allowed = MODE_CLASSES.filter((c) => c[where]).flatMap((c) => c.words);
  const seen = new Set<string>();
  for (const mode of modes.split(',')) {
    const modeClass = MODE_CLASSES.find((c) => c[where] && c.words.includes(mode));
    if (!modeClass) {
      return `bind option ${JSON.stringify(mode)} is not allowed on ${hostPath ? 'a host path' : 'a volume'} (allowed: ${allowed.join(', ')})`;
    }
    if (seen.has(modeClass.name)) return `only one ${modeClass.name} option may be given (the daemon refuses more)`;
    seen.add(modeClass.name);
  }
  return undefined;
}

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
    const reason = bindModeRefusal(modes, source.startsWith('/'));
    return reason ? { reason, field, value: entry } : undefined;
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
      const tmpfsOptions = (mount.TmpfsOptions ?? {}) as Record<string, unknown>;
      const finding = checkTmpfsMountOptions(tmpfsOptions.Options, `${field}.TmpfsOptions.Options`);
      if (finding) return finding;
    } else if (mount.Type === 'volume') {
      if (!isEmptyString(mount.Source) && !(typeof mount.Source === 'string' && VOLUME_NAME.test(mount.Source))) {
        return { reason: 'a volume mount must name a volume', field: `${field}.Source`, value: mount.Source };
      }
      const finding = checkVolumeOptions(mount.VolumeOptions, `${field}.VolumeOptions`);
      if (finding) return finding;
      if (!isAbsent(mount.TmpfsOptions)) return { reason: 'a volume mount takes no tmpfs options', field: `${field}.TmpfsOptions`, value: mount.TmpfsOptions };
    } else if (mount.Type === 'bind' && context.options.hostBindPrefixes.length > 0) {
      const options = (mount.BindOptions ?? {}) as Record<string, unknown>;
      const forceRecursive = options.ReadOnlyForceRecursive === true && context.apiMinor >= 44;
      const reason = typeof mount.Source === 'string' ? hostBindRefusal(mount.Source, mount.ReadOnly === true, context, forceRecursive) : 'a bind mount needs a source';
      if (reason) return { reason, field: `${field}.Source`, value: mount.Source };
      if (!['', 'private', 'rprivate', undefined, null].includes(options.Propagation as string)) {
        return { reason: 'bind propagation may only be private', field: `${field}.BindOptions.Propagation`, value: options.Propagation };
      }
      if (options.CreateMountpoint === true) return { reason: 'creating host directories is not allowed', field: `${field}.BindOptions.CreateMountpoint`, value: true };
      // API 1.44+: a read-only bind is read-only under its submounts too (kernel
      // 5.12+); this option asks for the old behaviour, where a mount inside a
      // read-only prefix stays writable.
      if (options.ReadOnlyNonRecursive === true) {
        return { reason: 'a read-only bind must stay read-only under its submounts', field: `${field}.BindOptions.ReadOnlyNonRecursive`, value: true };
      }
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
function hostBindRefusal(path: string, readOnly: boolean, context: RuleContext, forceRecursive = false): string | undefined {
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
  // Read-only reaches a mount beneath the bind only when the daemon makes it
  // recursive: never on Docker 20.10 nor below API 1.44, and from 1.44 only where
  // kernel and runtime can (it falls back silently unless forced).
  if (prefix.readOnly && !forceRecursive && context.hasMountsBelow?.(resolved) === true) {
    return `${path} has mounts beneath it, which a read-only bind would leave writable (use Mounts with BindOptions.ReadOnlyForceRecursive on API 1.44+)`;
  }
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
