import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The test machines are cgroup v1 hosts with the pids hierarchy mounted here,
// its root the root of this (the test run's) cgroup namespace.
export const PIDS_MOUNT = '/sys/fs/cgroup/pids';

/** A process's pids cgroup as this cgroup namespace names it ("/a/b"). */
export function pidsCgroupOf(pid: number): string {
  const found = /^\d+:pids:(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
  if (!found) throw new Error(`process ${pid} is in no pids cgroup`);
  return found[1];
}

/** The directory of a process's pids cgroup. */
export function pidsCgroupDirOf(pid: number): string {
  return join(PIDS_MOUNT, pidsCgroupOf(pid));
}
