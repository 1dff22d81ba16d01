import { Finding, isAbsent } from './field-rule';

/**
 * The options a tmpfs may be mounted with, and why each grants nothing.
 *
 * `HostConfig.Tmpfs` values reach the mount as written: the daemon prepends
 * `noexec,nosuid,nodev,rprivate`, splits the client's string at commas and
 * hands the list to moby/sys `MergeTmpfsOptions` (the last of each kind wins),
 * which accepts every flag of its mount table (`bind`, `rbind`, `remount`, all
 * propagation modes…) and the data options `size`, `mode`, `uid`, `gid`,
 * `nr_inodes`, `nr_blocks`, `mpol`. runc then mounts with those flags. So the
 * string is an allowlist here, never "whatever the daemon accepts".
 */
const FLAG_REASONS: Readonly<Record<string, string>> = {
  // Access and the daemon's own hardening defaults, each of which the
  // container's rootfs already lacks: an unprivileged container may run, set
  // uids and open device nodes on its overlay root; device access is decided
  // by the device cgroup (kept at the default), not by the mount flag.
  ro: 'read-only, only restricts',
  rw: 'the default',
  exec: 'the rootfs is executable too (build tools unpack and run binaries in /tmp)',
  noexec: 'only restricts',
  suid: 'the rootfs honours set-uid too; root in the container gains nothing from it',
  nosuid: 'only restricts',
  dev: 'the rootfs honours device nodes too; the device cgroup decides which can be opened',
  nodev: 'only restricts',
  // Timestamps only.
  atime: 'timestamps only',
  noatime: 'timestamps only',
  diratime: 'timestamps only',
  nodiratime: 'timestamps only',
  relatime: 'timestamps only',
  norelatime: 'timestamps only',
  strictatime: 'timestamps only',
  nostrictatime: 'timestamps only',
  defaults: 'no flag at all',
  // The daemon's own default: the mount stays in the container's namespace.
  private: 'the default propagation, nothing crosses the namespace',
  rprivate: 'the default propagation, nothing crosses the namespace',
};

/** What is refused by name, with the reason the client reads. */
const REFUSED_FLAGS: Readonly<Record<string, string>> = {
  bind: 'makes the tmpfs entry a bind mount of a host path',
  rbind: 'makes the tmpfs entry a bind mount of a host path',
  remount: 'remounts an existing mount instead of creating a tmpfs',
  shared: 'mount propagation other than private is not allowed',
  rshared: 'mount propagation other than private is not allowed',
  slave: 'mount propagation other than private is not allowed',
  rslave: 'mount propagation other than private is not allowed',
  unbindable: 'mount propagation other than private is not allowed',
  runbindable: 'mount propagation other than private is not allowed',
};

const SIZE = /^[0-9]{1,19}[kKmMgGtTpPeE%]?$/;
const COUNT = /^[0-9]{1,19}[kKmMgGtTpPeE]?$/;
const DATA_VALUES: Readonly<Record<string, { readonly pattern: RegExp; readonly shape: string }>> = {
  // Memory the tmpfs uses is charged to the container's memory cgroup.
  size: { pattern: SIZE, shape: 'a size such as 64m or 50%' },
  nr_blocks: { pattern: COUNT, shape: 'a number of blocks such as 1024 or 4k' },
  nr_inodes: { pattern: COUNT, shape: 'a number of inodes such as 1024 or 4k' },
  mode: { pattern: /^[0-7]{1,4}$/, shape: 'an octal mode such as 1777' },
  // Ownership of the mount's root inside the container: root there could chown it anyway.
  uid: { pattern: /^[0-9]{1,10}$/, shape: 'a numeric user id' },
  gid: { pattern: /^[0-9]{1,10}$/, shape: 'a numeric group id' },
};

export const ALLOWED_TMPFS_OPTIONS = [...Object.keys(FLAG_REASONS), ...Object.keys(DATA_VALUES).map((key) => `${key}=`)];

/** Why one comma-separated option of a tmpfs is refused, or undefined when it is allowed. */
export function tmpfsOptionRefusal(option: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(FLAG_REASONS, option)) return undefined;
  if (Object.prototype.hasOwnProperty.call(REFUSED_FLAGS, option)) return `tmpfs option ${JSON.stringify(option)} ${REFUSED_FLAGS[option]}`;
  const equals = option.indexOf('=');
  const key = equals < 0 ? option : option.slice(0, equals);
  const data = Object.prototype.hasOwnProperty.call(DATA_VALUES, key) ? DATA_VALUES[key] : undefined;
  if (data === undefined) {
    return `tmpfs option ${JSON.stringify(option)} is not allowed (allowed: ${ALLOWED_TMPFS_OPTIONS.join(', ')})`;
  }
  if (equals < 0 || !data.pattern.test(option.slice(equals + 1))) return `tmpfs option ${JSON.stringify(option)}: ${key} must be ${data.shape}`;
  return undefined;
}

/**
 * `HostConfig.Tmpfs`: container path → options string. The key is a path in
 * the container (data, compared exactly); every option in the value must be
 * on the allowlist.
 */
export function checkTmpfs(value: unknown): Finding | undefined {
  if (isAbsent(value) || typeof value !== 'object') return undefined;
  for (const [target, options] of Object.entries(value as Record<string, unknown>)) {
    const field = `Tmpfs[${JSON.stringify(target)}]`;
    if (!target.startsWith('/')) return { reason: 'the container path must be absolute', field, value: target };
    if (typeof options !== 'string' || options === '') continue;
    for (const option of options.split(',')) {
      const reason = tmpfsOptionRefusal(option);
      if (reason) return { reason, field, value: options };
    }
  }
  return undefined;
}

/**
 * `Mount.TmpfsOptions.Options` (API 1.46+): the daemon itself accepts only
 * `exec` and `noexec`, each a list of one word; anything else is refused here
 * before it is relied on (a later daemon may accept more).
 */
export function checkTmpfsMountOptions(value: unknown, field: string): Finding | undefined {
  if (!Array.isArray(value)) return undefined;
  for (let index = 0; index < value.length; index++) {
    const option = value[index] as unknown;
    if (!Array.isArray(option) || option.length !== 1 || (option[0] !== 'exec' && option[0] !== 'noexec')) {
      return { reason: 'tmpfs mount options may only be ["exec"] or ["noexec"]', field: `${field}[${index}]`, value: option };
    }
  }
  return undefined;
}
