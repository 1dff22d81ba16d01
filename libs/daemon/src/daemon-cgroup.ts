import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { CgroupHierarchy, cgroupMounts } from './cgroup-hierarchies';

export interface DaemonCgroupOptions {
  /** namespace: dockerd runs in a cgroup of its own, as the root of a cgroup namespace; off: in the service's. */
  readonly mode: 'namespace' | 'off';
  /** The directory made under the service's own cgroup in every hierarchy. */
  readonly name: string;
  /** pids.max of that cgroup: everything the daemon runs, together. */
  readonly pidsMax: number;
  /** Its memory limit in bytes; unset: only the service's own cgroup's. */
  readonly memoryMaxBytes?: number;
}

/** Where the daemon's cgroup is confined: by us, by nothing, or (cgroup v2) by the container runtime's cgroup namespace. */
export type CgroupConfinement = 'namespace' | 'off' | 'runtime';

export interface CgroupSources {
  readonly procSelfCgroup: string;
  readonly mountinfo: string;
}

/**
 * The daemon's cgroup name for a run directory: one daemon per run directory,
 * so two services on one host (tests, a blue-green pair) never share — or
 * clean up — each other's cgroup, and a restarted service finds its own.
 */
export function daemonCgroupName(runDir: string): string {
  const path = resolve(runDir);
  const readable = basename(path).replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40);
  return `dockerd-${readable}-${createHash('sha256').update(path).digest('hex').slice(0, 8)}`;
}

const readSources = (): CgroupSources => ({
  procSelfCgroup: readFileSync('/proc/self/cgroup', 'utf8'),
  mountinfo: readFileSync('/proc/self/mountinfo', 'utf8'),
});

// Run by /bin/sh before dockerd execs: the process joins the daemon's cgroup
// in every hierarchy, so that the cgroup namespace unshare makes next is rooted
// there. Each step execs the next, so the pid the supervisor holds is dockerd's.
const ENTER_CGROUPS = 'for dir do [ "$dir" = -- ] && break; echo $$ > "$dir/cgroup.procs" || exit 1; done; while [ "$1" != -- ]; do shift; done; shift; exec "$@"';
// Run in the new mount namespace (umount there leaves the host's mounts be):
// each hierarchy mounted afresh shows the
// namespace's root (the daemon's cgroup) as its top, so a path dockerd or
// BuildKit writes, `--cgroup-parent=/anything` included, lands beneath it.
const MOUNT_CGROUPS = 'while [ "$1" != -- ]; do umount "$3" && mount -t "$1" -o "$2" "$1" "$3" || exit 1; shift 3; done; shift; exec "$@"';

/**
 * The cgroup dockerd and everything it starts live in, on cgroup v1 hosts
 * (where Docker's default cgroup namespace is the host's, so a cgroup parent
 * named in a build would otherwise be a path from the host's root): a child of
 * the service's own cgroup, with a pids ceiling (and a memory one if set), made
 * the root of dockerd's cgroup namespace. On a cgroup v2 host the container
 * runtime's private cgroup namespace (its default there) does this job, and
 * this class only reports so.
 */
export class DaemonCgroup {
  readonly confinement: CgroupConfinement;
  private readonly hierarchies: readonly CgroupHierarchy[];
  /** Why the daemon cannot be confined here; prepare() refuses then. */
  private readonly problem?: string;

  constructor(
    private readonly options: DaemonCgroupOptions,
    sources: () => CgroupSources = readSources,
  ) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(options.name)) throw new Error(`cgroup name ${JSON.stringify(options.name)}: letters, digits, '_', '.' and '-' only`);
    const read = options.mode === 'namespace' ? sources() : undefined;
    const mounts = read ? cgroupMounts(read.procSelfCgroup, read.mountinfo) : { usable: [], unusable: [] };
    this.hierarchies = mounts.usable;
    const v1 = read !== undefined && /^\d+:[^:]+:/m.test(read.procSelfCgroup);
    this.confinement = options.mode === 'off' ? 'off' : v1 ? 'namespace' : 'runtime';
    if (this.confinement === 'namespace' && mounts.unusable.length > 0) {
      this.problem = `cgroup mounts that do not contain the service's own cgroup or name no hierarchy of it (${mounts.unusable.join(', ')}) would stay visible to the daemon unconfined`;
    }
    const ownV2 = read && /^0::(.*)$/m.exec(read.procSelfCgroup)?.[1];
    if (this.confinement === 'runtime' && ownV2 !== '/') {
      // Outside the root of its cgroup namespace, the service would hand dockerd (and a build's cgroup parent) the host's view.
      this.problem = `cgroup v2 and the service's cgroup is ${ownV2 ?? 'unknown'}, not the root of a cgroup namespace of its own: run it with a private cgroup namespace (Docker's default on v2, --cgroupns=private)`;
    }
  }

  /** The daemon's cgroup directory in every hierarchy we confine it in. */
  directories(): string[] {
    return this.confinement === 'namespace' ? this.hierarchies.map((h) => join(h.ownDir, this.options.name)) : [];
  }

  /**
   * Makes the daemon's cgroup and sets its ceilings. Throws when it cannot, so
   * that dockerd is not started unconfined.
   */
  prepare(): void {
    if (this.problem) throw new Error(this.problem);
    let memoryLimited = false;
    for (const dir of this.directories()) {
      mkdirSync(dir, { recursive: true });
      // A new cpuset cgroup has no CPUs or memory nodes, and no task may join it until it does.
      for (const file of ['cpuset.cpus', 'cpuset.mems']) {
        const own = join(dir, file);
        if (existsSync(own) && readFileSync(own, 'utf8').trim() === '') writeFileSync(own, readFileSync(join(dirname(dir), file)));
      }
      if (existsSync(join(dir, 'pids.max'))) writeFileSync(join(dir, 'pids.max'), String(this.options.pidsMax));
      if (this.options.memoryMaxBytes !== undefined && existsSync(join(dir, 'memory.limit_in_bytes'))) {
        writeFileSync(join(dir, 'memory.limit_in_bytes'), String(this.options.memoryMaxBytes));
        memoryLimited = true;
      }
    }
    const pids = this.directories().find((dir) => existsSync(join(dir, 'pids.max')));
    if (this.confinement === 'namespace' && !pids) throw new Error('no pids cgroup controller is mounted: the daemon\'s processes could not be bounded');
    if (this.confinement === 'namespace' && this.options.memoryMaxBytes !== undefined && !memoryLimited) {
      throw new Error('no memory cgroup controller is mounted: DOCKERD_MEMORY_MAX_BYTES could not be applied');
    }
  }

  /** The command words that start `command` in the daemon's cgroup and a cgroup and mount namespace of its own. */
  commandPrefix(): string[] {
    if (this.confinement !== 'namespace') return [];
    const mounts = this.hierarchies.flatMap((h) => [h.type, h.options, h.mountPoint]);
    return [
      'sh', '-c', ENTER_CGROUPS, 'dind-enter-cgroup', ...this.directories(), '--',
      // slave: mounts made on the host (new bind sources) still reach the daemon; its own never reach the host.
      'unshare', '--cgroup', '--mount', '--propagation', 'slave', '--',
      'sh', '-c', MOUNT_CGROUPS, 'dind-mount-cgroups', ...mounts, '--',
    ];
  }

  /** Every process still in the daemon's cgroup, its descendants' included: after dockerd has gone, all of them are leftovers. */
  processes(): number[] {
    const pids = new Set<number>();
    for (const dir of this.directories()) for (const sub of tree(dir)) for (const pid of readProcs(sub)) pids.add(pid);
    return [...pids];
  }

  /** Removes the daemon's cgroups, deepest first; returns those still busy. */
  remove(): string[] {
    const busy: string[] = [];
    for (const dir of this.directories()) {
      for (const sub of tree(dir).reverse()) {
        try {
          rmdirSync(sub);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') busy.push(sub);
        }
      }
    }
    return busy;
  }
}

/** A cgroup directory and all beneath it, parents before children. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const children = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory());
  return [dir, ...children.flatMap((child) => tree(join(dir, child.name)))];
}

function readProcs(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((line) => /^\d+$/.test(line))
      .map(Number);
  } catch {
    return [];
  }
}
