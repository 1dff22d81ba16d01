import { EventEmitter } from 'node:events';
import { createServer, Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ChildProcess } from 'node:child_process';
import { DaemonModuleOptions } from './daemon-options';
import { DockerdSupervisor } from './dockerd.supervisor';
import { ProcessRunner } from './process-runner';

/** A stand-in dockerd: a child-process look-alike plus an HTTP `_ping` on the socket it was told to use. */
class FakeDockerd extends EventEmitter {
  stdout = new PassThrough();
  stderr = new PassThrough();
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  pid = 4242;
  server?: Server;
  signals: string[] = [];

  constructor(socket: string, answer: boolean) {
    super();
    if (answer) {
      this.server = createServer((req, res) => res.writeHead(200, { 'API-Version': '1.47' }).end('OK'));
      this.server.listen(socket);
    }
  }

  kill(signal: NodeJS.Signals): boolean {
    this.signals.push(signal);
    this.die(null, signal);
    return true;
  }

  die(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitCode !== null || this.signalCode !== null) return;
    this.exitCode = code;
    this.signalCode = signal;
    this.server?.close();
    this.emit('exit', code, signal);
  }
}

class FakeRunner extends ProcessRunner {
  spawned: Array<{ args: readonly string[]; child: FakeDockerd }> = [];
  constructor(private readonly answers: () => boolean) {
    super();
  }
  override spawn(_command: string, args: readonly string[], _pathFirst: readonly string[] = [], _gid?: number): ChildProcess {
    const socket = args.find((a) => a.startsWith('--host=unix://'))!.slice('--host=unix://'.length);
    const child = new FakeDockerd(socket, this.answers());
    this.spawned.push({ args, child });
    return child as unknown as ChildProcess;
  }
  override findNamingPath(): number[] {
    return [];
  }
}

function options(overrides: Partial<DaemonModuleOptions> = {}): DaemonModuleOptions {
  const dir = mkdtempSync(join(tmpdir(), 'supervisor-spec-'));
  return {
    dockerdPath: 'dockerd',
    dataRoot: join(dir, 'data'),
    runDir: join(dir, 'run'),
    extraArgs: ['--storage-driver=vfs'],
    startTimeoutMs: 3000,
    stopTimeoutMs: 1000,
    restartBackoffMs: 20,
    restartBackoffMaxMs: 100,
    maxRestarts: 2,
    restartWindowMs: 60_000,
    ...overrides,
  };
}

const until = async (what: string, check: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('DockerdSupervisor', () => {
  it('starts dockerd on a private socket with explicit roots and passes extra arguments', async () => {
    const opts = options();
    const runner = new FakeRunner(() => true);
    const supervisor = new DockerdSupervisor(opts, runner);
    await supervisor.start();
    expect(supervisor.state).toBe('ready');
    expect(supervisor.apiVersion).toBe('1.47');
    expect(runner.spawned[0].args).toEqual([
      `--host=unix://${opts.runDir}/docker.sock`,
      `--config-file=${opts.runDir}/daemon.json`,
      `--data-root=${opts.dataRoot}`,
      `--exec-root=${opts.runDir}/exec`,
      `--pidfile=${opts.runDir}/dockerd.pid`,
      '--storage-driver=vfs',
    ]);
    expect(statSync(opts.runDir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(join(opts.runDir, 'daemon.json'), 'utf8'))).toEqual({
      builder: { Entitlements: { 'network-host': false, 'security-insecure': false } },
    });
    await supervisor.stop();
    expect(runner.spawned[0].child.signals).toEqual(['SIGTERM']);
  });

  it("refuses to start when the operator's daemon config would add a listener", async () => {
    const opts = options();
    const configFile = join(opts.runDir, '..', 'operator-daemon.json');
    writeFileSync(configFile, JSON.stringify({ hosts: ['tcp://0.0.0.0:2375'] }));
    const runner = new FakeRunner(() => true);
    const supervisor = new DockerdSupervisor({ ...opts, configFile }, runner);
    await expect(supervisor.start()).rejects.toThrow('hosts: set by dind-service itself');
    expect(runner.spawned).toHaveLength(0);
  });

  it('removes a stale pidfile whose pid is not our dockerd', async () => {
    const opts = options();
    const runner = new FakeRunner(() => true);
    const supervisor = new DockerdSupervisor(opts, runner);
    mkdirSync(opts.runDir, { recursive: true });
    writeFileSync(join(opts.runDir, 'dockerd.pid'), String(process.pid));
    await supervisor.start();
    expect(existsSync(join(opts.runDir, 'dockerd.pid'))).toBe(false);
    await supervisor.stop();
  });

  it('fails start-up with the daemon\'s last lines when it never answers', async () => {
    const runner = new FakeRunner(() => false);
    const supervisor = new DockerdSupervisor(options({ startTimeoutMs: 1000 }), runner);
    const starting = supervisor.start();
    await until('spawned', () => runner.spawned.length === 1);
    runner.spawned[0].child.stderr.write('level=error msg="failed to start daemon: boom"\n');
    await expect(starting).rejects.toThrow(/not ready after 1000 ms[\s\S]*failed to start daemon: boom/);
    await supervisor.stop();
  });

  it('restarts dockerd after an unexpected exit, then gives up after too many in the window', async () => {
    const runner = new FakeRunner(() => true);
    const supervisor = new DockerdSupervisor(options({ maxRestarts: 2 }), runner);
    const fatal: string[] = [];
    supervisor.onFatal((reason) => fatal.push(reason));
    await supervisor.start();

    runner.spawned[0].child.die(null, 'SIGKILL');
    await until('first restart', () => supervisor.state === 'ready' && runner.spawned.length === 2);
    runner.spawned[1].child.die(1, null);
    await until('second restart', () => supervisor.state === 'ready' && runner.spawned.length === 3);
    expect(supervisor.restarts).toBe(2);

    runner.spawned[2].child.die(1, null);
    await until('giving up', () => fatal.length === 1);
    expect(supervisor.state).toBe('failed');
    expect(fatal[0]).toMatch(/died 3 times/);
    expect(runner.spawned).toHaveLength(3);
  });

  it('only watches an upstream daemon it was given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'supervisor-upstream-'));
    const socket = join(dir, 'docker.sock');
    const server = createServer((req, res) => res.writeHead(200, { 'API-Version': '1.41' }).end('OK')).listen(socket);
    const runner = new FakeRunner(() => true);
    const supervisor = new DockerdSupervisor(options({ upstream: `unix://${socket}` }), runner);
    await supervisor.start();
    expect(runner.spawned).toHaveLength(0);
    expect(supervisor.state).toBe('ready');
    await supervisor.stop();
    server.close();
  });
});
