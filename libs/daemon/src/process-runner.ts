import { Injectable } from '@nestjs/common';
import { ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The side effects of running processes, behind one seam so the supervisor's logic can be tested with a fake. */
@Injectable()
export class ProcessRunner {
  spawn(command: string, args: readonly string[]): ChildProcess {
    return spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  kill(pid: number, signal: NodeJS.Signals): boolean {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  isAlive(pid: number): boolean {
    return this.kill(pid, 0 as unknown as NodeJS.Signals);
  }

  commandLine(pid: number): string | undefined {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      return undefined;
    }
  }

  /** Pids of live processes whose command line mentions `needle`. */
  findByCommandLine(needle: string): number[] {
    let entries: string[];
    try {
      entries = readdirSync('/proc');
    } catch {
      return [];
    }
    return entries
      .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
      .map(Number)
      .filter((pid) => this.commandLine(pid)?.includes(needle));
  }
}
