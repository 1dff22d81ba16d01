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

/** The cgroup mounts of this mount namespace, sorted into those dockerd's confinement can use and those it cannot. */
export interface CgroupMounts {
  readonly usable: CgroupHierarchy[];
  /** v1 mounts of a hierarchy this process is in no place of, or outside its own cgroup: left as they are, they would let a cgroup path escape. */
  readonly unusable: string[];
}

/**
 * The cgroup hierarchies mounted in this mount namespace, joined with this
 * process's place in each (from /proc/self/cgroup and /proc/self/mountinfo).
 * A v1 line names its controllers (`4:memory:/x`, `9:name=systemd:/`); the v2
 * line has none (`0::/x`). A v1 mount is known by the controllers among its
 * superblock options (whatever other options the kernel or an LSM adds). A
 * hierarchy mounted from a subdirectory (mount root `/a`) shows cgroup `/a/b`
 * at `<mount point>/b`; one this process is outside of cannot be used.
 */
export function cgroupMounts(procSelfCgroup: string, mountinfo: string): CgroupMounts {
  const ownPaths = new Map<string, string>();
  for (const line of procSelfCgroup.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (match) ownPaths.set(match[1] === '' ? 'cgroup2' : [...match[1].split(',')].sort().join(','), match[2]);
  }
  const v1Keys = [...ownPaths.keys()].filter((key) => key !== 'cgroup2');
  const usable: CgroupHierarchy[] = [];
  const unusable: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const [mountFields, superFields] = line.split(' - ');
    if (!superFields) continue;
    const fields = mountFields.split(' ');
    const [type, , superOptions] = superFields.split(' ');
    if (type !== 'cgroup' && type !== 'cgroup2') continue;
    const root = unescapeMountPath(fields[3]);
    const mountPoint = unescapeMountPath(fields[4]);
    const options = new Set(superOptions.split(','));
    const key = type === 'cgroup2' ? 'cgroup2' : v1Keys.find((candidate) => candidate.split(',').every((controller) => options.has(controller)));
    const own = key === undefined ? undefined : ownPaths.get(key);
    const relative = own === undefined ? undefined : root === '/' ? own : own === root ? '/' : own.startsWith(`${root}/`) ? own.slice(root.length) : undefined;
    if (key === undefined || relative === undefined) {
      // An empty v2 mount of a v1 host we are in no place of holds no processes of ours: harmless.
      if (type === 'cgroup') unusable.push(mountPoint);
      continue;
    }
    // A second mount of the same hierarchy is remounted too: left as it is, it would show the host's root.
    usable.push({ type, mountPoint, options: type === 'cgroup2' ? 'rw' : `rw,${key}`, ownDir: `${mountPoint}${relative === '/' ? '' : relative}` });
  }
  return { usable, unusable };
}

/** The usable hierarchies of cgroupMounts. */
export function cgroupHierarchies(procSelfCgroup: string, mountinfo: string): CgroupHierarchy[] {
  return cgroupMounts(procSelfCgroup, mountinfo).usable;
}
