import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { DAEMON_OPTIONS, DaemonModuleOptions } from './daemon-options';
import { CgroupConfinement, DaemonCgroup } from './daemon-cgroup';
import { writeDaemonConfig } from './daemon-config';
import { pingDaemon, PingResult } from './docker-ping';
import { EgressFirewall } from './egress.firewall';
import { EGRESS_CHAIN } from './egress-rules';
import { ProcessRunner } from './process-runner';
import { describeUpstream, parseUpstream, UpstreamAddress } from './upstream-address';

const RECENT_LOG_LINES = 40;
const LEFTOVER_EXIT_WAIT_MS = 5000;
const PING_INTERVAL_MS = 250;

export type DaemonState = 'starting' | 'ready' | 'restarting' | 'stopping' | 'stopped' | 'failed';

/** How the daemon's own connections are bound: by our kernel rules, by nothing, or by the operator (a daemon we do not run). */
export type EgressEnforcement = 'kernel' | 'off' | 'upstream';

/**
 * Runs dockerd as a child process on a private socket and keeps it running:
 * waits for `_ping`, restarts it with backoff when it dies, gives up (and says
 * so through `onFatal`) when it keeps dying, and stops it — and everything it
 * started — on shutdown. With an upstream configured it only watches that daemon.
 * `start()` is called by the bootstrap, after the admin API is up, so probes get
 * answers while the daemon starts.
 */
@Injectable()
export class DockerdSupervisor implements OnApplicationShutdown {
  private readonly logger = new Logger('dockerd');
  private child?: ChildProcess;
  private childExited?: Promise<void>;
  private crashTimes: number[] = [];
  private restartTimer?: NodeJS.Timeout;
  private readonly recentLines: string[] = [];
  private fatalListeners: Array<(reason: string) => void> = [];
  private apiVersionValue = '1.41';
  state: DaemonState = 'stopped';
  /** False while the ready daemon misses its watch pings (a hung dockerd is not an exited one). */
  answering = true;
  restarts = 0;
  private watchTimer?: NodeJS.Timeout;
  private missedPings = 0;
  startupSeconds?: number;

  readonly upstream: UpstreamAddress;
  readonly managed: boolean;
  private readonly paths: { socket: string; execRoot: string; pidfile: string; config: string };
  private readonly firewall?: EgressFirewall;
  readonly egressEnforcement: EgressEnforcement;
  private readonly cgroup?: DaemonCgroup;
  /** Where the daemon's cgroups are confined; `upstream` for a daemon we do not run. */
  readonly cgroupConfinement: CgroupConfinement | 'upstream';

  constructor(
    @Inject(DAEMON_OPTIONS) private readonly options: DaemonModuleOptions,
    private readonly processes: ProcessRunner,
  ) {
    this.paths = {
      socket: join(options.runDir, 'docker.sock'),
      execRoot: join(options.runDir, 'exec'),
      pidfile: join(options.runDir, 'dockerd.pid'),
      config: join(options.runDir, 'daemon.json'),
    };
    this.managed = !options.upstream;
    this.upstream = options.upstream ? parseUpstream(options.upstream) : { socketPath: this.paths.socket };
    this.egressEnforcement = !this.managed ? 'upstream' : options.egress?.enforcement === 'kernel' ? 'kernel' : 'off';
    if (this.egressEnforcement === 'kernel') this.firewall = new EgressFirewall(options.egress!, processes);
    if (this.managed && options.cgroup) this.cgroup = new DaemonCgroup(options.cgroup);
    this.cgroupConfinement = !this.managed ? 'upstream' : (this.cgroup?.confinement ?? 'off');
  }

  /** The daemon's API version as reported by its last successful ping. */
  get apiVersion(): string {
    return this.apiVersionValue;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  onFatal(listener: (reason: string) => void): void {
    this.fatalListeners.push(listener);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async start(): Promise<void> {
    const started = Date.now();
    this.state = 'starting';
    if (this.managed) {
      await this.prepareRunDir();
      this.bindEgress();
      this.confineCgroup();
      this.spawnDaemon();
    } else if (this.restarts === 0) {
      this.logger.warn(
        `egress not enforced: the daemon at ${describeUpstream(this.upstream)} is not ours (DOCKER_UPSTREAM); ` +
          'only the request-time checks hold unless its host refuses its connections (docs/policy.md)',
      );
    }
    await this.waitUntilReady(this.options.startTimeoutMs);
    this.startupSeconds = (Date.now() - started) / 1000;
    this.state = 'ready';
    this.answering = true;
    this.missedPings = 0;
    this.watch();
    this.logger.log(`daemon ready at ${describeUpstream(this.upstream)} (API ${this.apiVersionValue}) after ${this.startupSeconds.toFixed(1)} s`);
  }

  /** A live check, for readiness probes. */
  async ping(timeoutMs = 2000): Promise<PingResult> {
    const result = await pingDaemon(this.upstream, timeoutMs);
    if (result.ok && result.apiVersion) this.apiVersionValue = result.apiVersion;
    return result;
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopping';
    clearTimeout(this.restartTimer);
    clearInterval(this.watchTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      this.logger.log(`stopping dockerd (pid ${child.pid})`);
      child.kill('SIGTERM');
      const exited = await this.waitForExit(this.options.stopTimeoutMs);
      if (!exited) {
        this.logger.warn(`dockerd did not stop within ${this.options.stopTimeoutMs} ms; killing it`);
        child.kill('SIGKILL');
        await this.waitForExit(5000);
      }
    }
    if (this.managed) await this.reapLeftovers();
    if (this.cgroup) await this.removeCgroup(this.cgroup);
    if (this.firewall) {
      try {
        this.firewall.remove();
      } catch (error) {
        this.logger.error(`cannot remove the egress rules: ${(error as Error).message}`);
      }
    }
    this.state = 'stopped';
  }

  private async prepareRunDir(): Promise<void> {
    mkdirSync(this.options.runDir, { recursive: true, mode: 0o700 });
    // mkdir's mode does not apply to a directory that already exists.
    chmodSync(this.options.runDir, 0o700);
    await this.clearPreviousRun();
    rmSync(this.paths.socket, { force: true });
    // Written once per start; restarts reuse it. Throws on an operator config
    // that would add a listener, which stops start-up with the reason.
    writeDaemonConfig(this.options.configFile, this.paths.config, this.options.requirements);
  }

  /**
   * After a container restart the old pid may belong to anyone, and dockerd
   * refuses to start over a pidfile naming a live process: a stale pidfile goes.
   * If the pid is really our dockerd — orphaned by a predecessor killed with
   * SIGKILL — it is stopped first, so that one daemon owns the data root.
   */
  private async clearPreviousRun(): Promise<void> {
    if (!existsSync(this.paths.pidfile)) return;
    const pid = Number(readFileSync(this.paths.pidfile, 'utf8').trim());
    const args = Number.isInteger(pid) && pid > 0 ? this.processes.commandArgs(pid) : undefined;
    if (args && basename(args[0] ?? '') === 'dockerd' && args.includes(`--pidfile=${this.paths.pidfile}`)) {
      this.logger.warn(`dockerd (pid ${pid}) of a previous run is still running; stopping it`);
      this.processes.kill(pid, 'SIGTERM');
      const deadline = Date.now() + this.options.stopTimeoutMs;
      while (this.processes.isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      if (this.processes.isAlive(pid)) this.processes.kill(pid, 'SIGKILL');
      await this.reapLeftovers();
    } else {
      this.logger.warn(`removing stale pidfile ${this.paths.pidfile} (pid ${pid} is not our dockerd)`);
    }
    rmSync(this.paths.pidfile, { force: true });
  }

  /**
   * Before dockerd starts (and again before every restart: nothing of the daemon
   * runs then): the kernel refuses every connection its group opens to this
   * namespace's neighbourhood. A rule that cannot be installed stops start-up;
   * only EGRESS_ENFORCEMENT=off starts the daemon without them.
   */
  private bindEgress(): void {
    if (this.firewall) {
      try {
        this.firewall.install();
      } catch (error) {
        throw new Error(
          `cannot install the egress rules, so dockerd is not started: ${(error as Error).message} ` +
            '(EGRESS_ENFORCEMENT=off starts it with the request-time checks alone)',
        );
      }
      const tools = this.firewall.families().map((family) => (family === 4 ? 'iptables' : 'ip6tables'));
      this.logger.log(`egress enforced by the kernel: chain ${EGRESS_CHAIN} for group ${this.options.egress!.gid} (${tools.join(', ')})`);
    } else {
      this.logger.warn('egress not enforced (EGRESS_ENFORCEMENT=off): only the request-time checks refuse what the daemon dials');
    }
  }

  /**
   * Before every start: the daemon's cgroup, with its ceilings. One that cannot
   * be made stops start-up; DOCKERD_CGROUP=off runs dockerd in ours.
   */
  private confineCgroup(): void {
    const cgroup = this.cgroup;
    if (!cgroup || cgroup.confinement === 'off') {
      this.logger.warn('dockerd runs in the service\'s own cgroup namespace (DOCKERD_CGROUP=off): a build\'s cgroup parent is a path from that namespace\'s root');
      return;
    }
    try {
      cgroup.prepare();
    } catch (error) {
      throw new Error(`cannot confine the daemon's cgroups, so dockerd is not started: ${(error as Error).message} (DOCKERD_CGROUP=off starts it in ours)`);
    }
    if (cgroup.confinement === 'runtime') {
      this.logger.warn(
        'cgroup v2: dockerd\'s cgroups are confined by the private cgroup namespace the container runtime gives this service; DOCKERD_PIDS_MAX and DOCKERD_MEMORY_MAX_BYTES apply on cgroup v1 only',
      );
      return;
    }
    this.logger.log(`dockerd runs in its own cgroup and cgroup namespace, at most ${this.options.cgroup!.pidsMax} processes: ${cgroup.directories().join(', ')}`);
  }

  private spawnDaemon(): void {
    const args = [
      `--host=unix://${this.paths.socket}`,
      `--config-file=${this.paths.config}`,
      `--data-root=${this.options.dataRoot}`,
      `--exec-root=${this.paths.execRoot}`,
      `--pidfile=${this.paths.pidfile}`,
      ...this.options.extraArgs,
    ];
    this.logger.log(`starting ${this.options.dockerdPath} ${args.join(' ')}`);
    const child = this.processes.spawn(this.options.dockerdPath, args, engineDirectories(this.options.dockerdPath), this.options.egress?.gid, this.cgroup?.commandPrefix());
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => this.onDaemonLine(line));
    }
    this.childExited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('error', (error) => this.logger.error(`cannot run ${this.options.dockerdPath}: ${error.message}`));
    child.once('exit', (code, signal) => this.onDaemonExit(child, code, signal));
  }

  private onDaemonLine(line: string): void {
    this.recentLines.push(line);
    if (this.recentLines.length > RECENT_LOG_LINES) this.recentLines.shift();
    this.logger.log(line);
  }

  private onDaemonExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child || this.state === 'stopping' || this.state === 'stopped') return;
    const now = Date.now();
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < this.options.restartWindowMs), now];
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    if (this.crashTimes.length > this.options.maxRestarts) {
      this.fail(`dockerd died ${this.crashTimes.length} times within ${this.options.restartWindowMs} ms (last: ${how})`);
      return;
    }
    const delay = Math.min(this.options.restartBackoffMs * 2 ** (this.crashTimes.length - 1), this.options.restartBackoffMaxMs);
    this.state = 'restarting';
    this.logger.error(`dockerd exited unexpectedly (${how}); restarting in ${delay} ms`);
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    if (this.state !== 'restarting') return;
    this.restarts++;
    // A killed dockerd leaves its containerd holding the socket the next one
    // needs: reap as the stop path does, or the restart waits it out.
    if (this.managed) await this.reapLeftovers();
    try {
      await this.start();
    } catch (error) {
      // A restart that never becomes ready counts like a crash: the exit handler
      // (or this failure) decides whether to try again.
      if ((this.state as DaemonState) === 'starting') this.fail(`dockerd restart failed: ${(error as Error).message}`);
    }
  }

  /**
   * Pings the ready daemon periodically. A dockerd that stops answering (hung,
   * or stopped with SIGSTOP) is restarted like one that died: it counts against
   * DOCKERD_MAX_RESTARTS, so one that never recovers ends in `failed` and the
   * service exits for its orchestrator to act. A daemon we do not manage can only
   * be reported.
   */
  private watch(): void {
    clearInterval(this.watchTimer);
    const interval = this.options.watchIntervalMs ?? 0;
    if (interval <= 0) return;
    const limit = this.options.watchFailures ?? 3;
    let inFlight = false;
    this.watchTimer = setInterval(() => {
      if (this.state !== 'ready' || inFlight) return;
      inFlight = true;
      void this.ping(Math.min(2000, interval)).then((result) => {
        inFlight = false;
        if (this.state !== 'ready') return;
        if (result.ok) {
          if (!this.answering) this.logger.log('dockerd answers _ping again');
          this.answering = true;
          this.missedPings = 0;
          return;
        }
        this.answering = false;
        this.missedPings++;
        this.logger.warn(`dockerd did not answer _ping (${result.error}); ${this.missedPings} of ${limit} in a row`);
        if (this.missedPings >= limit && this.managed) this.restartHungDaemon(limit);
      });
    }, interval);
    this.watchTimer.unref();
  }

  private restartHungDaemon(missed: number): void {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    clearInterval(this.watchTimer);
    this.logger.error(`dockerd (pid ${child.pid}) missed ${missed} pings in a row; restarting it`);
    // SIGCONT lets a stopped daemon act on the SIGTERM; its exit is handled as a crash.
    child.kill('SIGTERM');
    child.kill('SIGCONT');
    const killTimer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) {
        this.logger.warn(`dockerd did not stop within ${this.options.stopTimeoutMs} ms; killing it`);
        child.kill('SIGKILL');
      }
    }, this.options.stopTimeoutMs);
    killTimer.unref();
    child.once('exit', () => clearTimeout(killTimer));
  }

  private fail(reason: string): void {
    clearInterval(this.watchTimer);
    this.state = 'failed';
    this.logger.error(reason);
    for (const listener of this.fatalListeners) listener(reason);
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: PingResult = { ok: false, error: 'not tried' };
    while (Date.now() < deadline) {
      if (this.managed && this.child && (this.child.exitCode !== null || this.child.signalCode !== null)) {
        throw new Error(`dockerd exited during start-up; its last lines:\n${this.recentLines.join('\n')}`);
      }
      last = await this.ping(Math.min(2000, Math.max(100, deadline - Date.now())));
      if (last.ok) return;
      await new Promise((resolve) => setTimeout(resolve, PING_INTERVAL_MS));
    }
    const hint = this.managed
      ? `; the daemon's last lines (tagged [dockerd] in this log):\n${this.recentLines.join('\n')}`
      : '';
    throw new Error(`docker daemon at ${describeUpstream(this.upstream)} not ready after ${timeoutMs} ms (${last.error})${hint}`);
  }

  private async waitForExit(timeoutMs: number): Promise<boolean> {
    if (!this.childExited) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const result = await Promise.race([this.childExited.then(() => true), timedOut]);
    clearTimeout(timer);
    return result;
  }

  /**
   * containerd and shims outlive a dockerd that was killed; every process that
   * names our private run directory (as a whole path, never as a substring:
   * `/run/dind` is not `/run/dind2`) is ours to end.
   */
  private async reapLeftovers(): Promise<void> {
    const leftovers = this.processes.findNamingPath(this.options.runDir);
    // A shim's children are its containers' first processes. Killed with the
    // shim they would stay, orphaned, with their namespaces and cgroups (a
    // dockerd that ran out of its stop time had not stopped them yet); killing
    // a first process ends everything in its pid namespace.
    const containers = this.processes.childrenOf(leftovers).filter((pid) => !leftovers.includes(pid));
    for (const pid of containers) {
      this.logger.warn(`killing container process ${pid} of a leftover shim: ${this.processes.commandArgs(pid)?.join(' ')}`);
      this.processes.kill(pid, 'SIGKILL');
    }
    for (const pid of leftovers) {
      this.logger.warn(`killing leftover process ${pid}: ${this.processes.commandArgs(pid)?.join(' ')}`);
      this.processes.kill(pid, 'SIGKILL');
    }
    // Whatever else is in the daemon's cgroup (a build step, a process a
    // container forked out of its shim's sight) is the daemon's too.
    const strays = (this.cgroup?.processes() ?? []).filter((pid) => pid !== process.pid && !leftovers.includes(pid) && !containers.includes(pid));
    for (const pid of strays) {
      this.logger.warn(`killing process ${pid} left in the daemon's cgroup: ${this.processes.commandArgs(pid)?.join(' ')}`);
      this.processes.kill(pid, 'SIGKILL');
    }
    // A killed containerd takes a moment to go; a dockerd started meanwhile
    // finds its pidfile alive, waits for it and fails, and costs another restart.
    const deadline = Date.now() + LEFTOVER_EXIT_WAIT_MS;
    while ([...leftovers, ...strays].some((pid) => this.processes.isAlive(pid)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    this.removeStaleContainerdPidfile();
  }

  /**
   * A shim that was not killed exits on its own a moment after its daemon, and
   * a cgroup is busy until its last task has exited: retried for a while.
   */
  private async removeCgroup(cgroup: DaemonCgroup): Promise<void> {
    const deadline = Date.now() + LEFTOVER_EXIT_WAIT_MS;
    let busy = cgroup.remove();
    while (busy.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      busy = cgroup.remove();
    }
    if (busy.length > 0) this.logger.warn(`cannot remove the daemon's cgroups (still busy): ${busy.join(', ')}`);
  }

  /**
   * dockerd reads its managed containerd's pidfile and waits (15 s, then fails)
   * while that pid exists. A containerd killed with its dockerd stays a zombie
   * until whatever became its parent reaps it — which a PID 1 that is not an
   * init may never do — so a pidfile naming a pid that is not running goes.
   */
  private removeStaleContainerdPidfile(): void {
    const pidfile = join(this.paths.execRoot, 'containerd', 'containerd.pid');
    if (!existsSync(pidfile)) return;
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && this.processes.isAlive(pid)) return;
    this.logger.warn(`removing stale containerd pidfile ${pidfile} (pid ${pid} is not running)`);
    rmSync(pidfile, { force: true });
  }

}

/**
 * A dockerd given by path (an engine unpacked by scripts/engine.sh, or any
 * other install) finds the containerd and shims of its own release first:
 * its directory and the `bin` beside it (usr/sbin/dockerd, usr/bin/containerd).
 */
export function engineDirectories(dockerdPath: string): string[] {
  if (!isAbsolute(dockerdPath)) return [];
  const own = dirname(dockerdPath);
  return [own, resolve(own, '..', 'bin')].filter((dir, i, all) => all.indexOf(dir) === i && existsSync(dir));
}
