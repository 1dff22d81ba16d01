import { Injectable } from '@nestjs/common';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

// What dockerd and the containerd it starts need from the environment, and
// nothing else: the service's own secrets (ADMIN_TOKEN, …) stay with it.
const INHERITED_ENV = /^(PATH|HOME|LANG|LC_[A-Z]+|TZ|TMPDIR|HTTP_PROXY|HTTPS_PROXY|NO_PROXY|http_proxy|https_proxy|no_proxy|DOCKER_RAMDISK|DOCKER_TMPDIR|NOTIFY_SOCKET)$/;

export function childEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => INHERITED_ENV.test(name)));
}

/**
 * Whether a command line names `dir` or something under it as a whole path,
 * alone or as a flag's value (`--exec-root=/run/dind/exec`): `/run/dind` is not
 * named by `/run/dind2/…` nor by `/run/dind-sibling/containerd`.
 */
export function namesPathUnder(args: readonly string[], dir: string): boolean {
  const root = dir.replace(/\/+$/, '');
  return args.some((arg) => {
    const value = arg.startsWith('-') && arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : arg;
    return value === root || value.startsWith(`${root}/`);
  });
}

/** The side effects of running processes, behind one seam so the supervisor's logic can be tested with a fake. */
@Injectable()
export class ProcessRunner {
  /**
   * `pathFirst`: directories searched before the inherited PATH (an engine's own
   * containerd and shims). `group`: the one supplementary group the process and
   * all it starts carry (set by util-linux's setpriv, which execs the command,
   * so the pid is the command's); Node can set only the primary group.
   * `prefix`: command words that set the process up and exec the rest (the
   * daemon's cgroup and namespaces).
   */
  spawn(command: string, args: readonly string[], pathFirst: readonly string[] = [], group?: number, prefix: readonly string[] = []): ChildProcess {
    const env = childEnvironment(process.env);
    if (pathFirst.length > 0) env.PATH = [...pathFirst, env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'].join(':');
    const [file, ...argv] = [...prefix, ...(group === undefined ? [] : ['setpriv', `--groups=${group}`, '--']), command, ...args];
    return spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
  }

  /** Runs a short command to completion (iptables); a command that cannot be run reports code 127. */
  run(command: string, args: readonly string[]): { code: number; stdout: string; stderr: string } {
    const result = spawnSync(command, [...args], { encoding: 'utf8', timeout: 30_000 });
    if (result.error) return { code: 127, stdout: '', stderr: result.error.message };
    return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
  }

  kill(pid: number, signal: NodeJS.Signals): boolean {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** Alive and not a zombie: a killed process whose new parent has not reaped it yet is gone for every purpose but kill(pid, 0). */
  isAlive(pid: number): boolean {
    if (!this.kill(pid, 0 as unknown as NodeJS.Signals)) return false;
    const stat = statAfterComm(pid);
    return stat === undefined || stat[0] !== 'Z';
  }

  /** A process's arguments, as it was started (argv[0] first). */
  commandArgs(pid: number): string[] | undefined {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((arg, i, all) => arg !== '' || i < all.length - 1);
    } catch {
      return undefined;
    }
  }

  /** Pids of live processes (other than this one) whose arguments name `dir` or a path under it. */
  findNamingPath(dir: string): number[] {
    return processIds().filter((pid) => {
      if (pid === process.pid) return false;
      const args = this.commandArgs(pid);
      return args !== undefined && namesPathUnder(args, dir);
    });
  }

  /** Pids of live processes whose parent is one of `parents`. */
  childrenOf(parents: readonly number[]): number[] {
    const wanted = new Set(parents);
    return processIds().filter((pid) => wanted.has(Number(statAfterComm(pid)?.[1])));
  }
}

function processIds(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * The fields of /proc/<pid>/stat after "pid (comm)" — state, ppid, … — or
 * undefined if the process is gone. comm may contain spaces and parentheses.
 */
function statAfterComm(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}
