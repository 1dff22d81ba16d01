/** A mounted cgroup hierarchy and where this process sits in it. */
export interface CgroupHierarchy {
  readonly type: 'cgroup' | 'cgroup2';
  readonly mountPoint: string;
  /** The options a fresh mount of the same hierarchy takes (`rw,pids`, `rw,name=systemd`). */
  readonly options: string;
  /** This process's own cgroup, as a directory under the mount point. */
  readonly ownDir: string;
}

/** A path as /proc/self/mountinfo writes it: space, tab, newline and backslash in octal. */
export const unescapeMountPath = (path: string) => path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/**
 * The cgroup hierarchies mounted in this mount namespace, joined with this
 * process's place in each (from /proc/self/cgroup and /proc/self/mountinfo).
 * A v1 line names its controllers (`4:memory:/x`, `9:name=systemd:/`); the v2
 * line has none (`0::/x`). A hierarchy mounted from a subdirectory (mount
 * root `/a`) shows cgroup `/a/b` at `<mount point>/b`; one this process is
 * outside of cannot be used and is left out.
 */
export function cgroupHierarchies(procSelfCgroup: string, mountinfo: string): CgroupHierarchy[] {
  const ownPaths = new Map<string, string>();
  for (const line of procSelfCgroup.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (match) ownPaths.set(match[1] === '' ? 'cgroup2' : [...match[1].split(',')].sort().join(','), match[2]);
  }
  const hierarchies: CgroupHierarchy[] = [];
  const seen = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const [mountFields, superFields] = line.split(' - ');
    if (!superFields) continue;
    const fields = mountFields.split(' ');
    const [type, , superOptions] = superFields.split(' ');
    if (type !== 'cgroup' && type !== 'cgroup2') continue;
    const root = unescapeMountPath(fields[3]);
    const mountPoint = unescapeMountPath(fields[4]);
    const key = type === 'cgroup2' ? 'cgroup2' : controllersOf(superOptions);
    const own = ownPaths.get(key);
    if (own === undefined || seen.has(key)) continue;
    const relative = root === '/' ? own : own === root ? '/' : own.startsWith(`${root}/`) ? own.slice(root.length) : undefined;
    if (relative === undefined) continue;
    seen.add(key);
    hierarchies.push({ type, mountPoint, options: type === 'cgroup2' ? 'rw' : `rw,${key}`, ownDir: `${mountPoint}${relative === '/' ? '' : relative}` });
  }
  return hierarchies;
}

// The part of a v1 superblock's options that names the hierarchy, as /proc/self/cgroup names it.
function controllersOf(superOptions: string): string {
  const generic = new Set(['rw', 'ro', 'noprefix', 'xattr', 'clone_children', 'cpuset_v2_mode', 'favordynmods', 'nsdelegate']);
  return superOptions
    .split(',')
    .filter((option) => !generic.has(option) && !option.startsWith('release_agent='))
    .sort()
    .join(',');
}
