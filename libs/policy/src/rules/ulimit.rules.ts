import { eachEntry, Finding } from './field-rule';

/**
 * `Ulimits` become the container's rlimits: the daemon names each
 * `RLIMIT_` + strings.ToUpper(Name) and runc sets it with setrlimit as root in
 * the host's user namespace, so it can raise hard limits past anything the
 * container could reach itself. Go's ToUpper maps 'ı' to 'I' and 'ſ' to 'S',
 * so names are read only when ASCII, then compared case-insensitively.
 * Soft and Hard are int64 here and uint64 to the kernel: -1 is RLIM_INFINITY.
 */
interface UlimitAllowance {
  /** The largest soft or hard value allowed; undefined: any value, including -1 (unlimited). */
  readonly max?: number;
  readonly why: string;
}

// fs.nr_open's default: dockerd's own systemd unit gives containers this many
// files (LimitNOFILE=infinity), and setrlimit refuses more without raising it.
const NOFILE_MAX = 1048576;
// RLIMIT_NICE allows a nice value down to 20 - limit: 20 stops at 0 (a process
// may only make itself nicer), above 20 is a negative nice, which takes CPU from
// everyone else and otherwise needs CAP_SYS_NICE.
const NICE_MAX = 20;

export const ULIMIT_ALLOWANCES: Readonly<Record<string, UlimitAllowance>> = {
  nofile: { max: NOFILE_MAX, why: 'open files: up to the kernel\'s default nr_open, what dockerd gives containers by default' },
  nproc: { why: 'processes per user id: root ignores it, and the container\'s pids limit is the bound that holds' },
  core: { why: 'core dump size: written in the container\'s own mount namespace, or handed to the host\'s helper, which applies its own limits' },
  stack: { why: 'stack size: the memory is the container\'s, charged to its cgroup' },
  memlock: { why: 'locked memory is charged to the container\'s memory cgroup and freed when the process dies; the container has no CAP_IPC_LOCK' },
  cpu: { why: 'CPU seconds of a process: only restricts it' },
  fsize: { why: 'file size a process may write: only restricts it' },
  data: { why: 'data segment size: only restricts the process' },
  rss: { why: 'no effect since Linux 2.6' },
  locks: { why: 'no effect since Linux 2.4.25' },
  rttime: { why: 'CPU time of realtime tasks: only restricts (realtime itself is refused)' },
  nice: { max: NICE_MAX, why: 'at most 20: allows no nice value below 0 (20 - limit), so no process is raised above the host\'s' },
  rtprio: { max: 0, why: 'at most 0: above, a process may choose SCHED_FIFO/SCHED_RR without CAP_SYS_NICE and starve the host\'s CPUs' },
};

// Refused by name, with the reason (anything not listed at all is refused too).
const REFUSED: Readonly<Record<string, string>> = {
  msgqueue: 'POSIX message queue bytes are counted per user id across the whole host (uid 0 in every container is one user)',
  sigpending: 'pending signals are counted per user id across the whole host (uid 0 in every container is one user)',
  as: 'the daemon does not offer it (go-units disables it)',
};

const ASCII_NAME = /^[A-Za-z]+$/;

function limitRefusal(name: string, allowance: UlimitAllowance, which: string, limit: unknown): string | undefined {
  if (allowance.max === undefined || limit === undefined || limit === null) return undefined;
  if (typeof limit !== 'number' || limit < 0 || limit > allowance.max) {
    return `ulimit ${name} ${which} limit must be from 0 to ${allowance.max} (${allowance.why}; -1 means unlimited)`;
  }
  return undefined;
}

/** Each entry must name an allowed rlimit, with soft and hard within its ceiling. */
export const checkUlimits = (value: unknown): Finding | undefined =>
  eachEntry(value, (entry, index) => {
    const field = `Ulimits[${index}]`;
    const ulimit = (entry ?? {}) as Record<string, unknown>;
    const name = typeof ulimit.Name === 'string' && ASCII_NAME.test(ulimit.Name) ? ulimit.Name.toLowerCase() : undefined;
    if (name === undefined) return { reason: 'a ulimit name must be one of the rlimit names (letters only)', field: `${field}.Name`, value: ulimit.Name };
    const allowance = Object.prototype.hasOwnProperty.call(ULIMIT_ALLOWANCES, name) ? ULIMIT_ALLOWANCES[name] : undefined;
    if (!allowance) {
      const why = Object.prototype.hasOwnProperty.call(REFUSED, name) ? `: ${REFUSED[name]}` : '';
      return { reason: `ulimit ${name} is not allowed${why} (allowed: ${Object.keys(ULIMIT_ALLOWANCES).join(', ')})`, field: `${field}.Name`, value: ulimit.Name };
    }
    const reason = limitRefusal(name, allowance, 'soft', ulimit.Soft) ?? limitRefusal(name, allowance, 'hard', ulimit.Hard);
    return reason ? { reason, field, value: entry } : undefined;
  });
