import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Server, connect } from 'node:net';
import { join } from 'node:path';
import { e2eState } from '../support/e2e-state';
import { freePort, LAUNCHER_ENV, SERVICE_LAUNCHER } from '../support/global-setup';
import { processesMentioning } from '../support/leftovers';

// Start-up failures end with nothing left running, and configuration that would
// do harm is refused before anything starts. Each case runs a service of its
// own (managed dockerd, private directories, no bridge of its own) and expects
// it to stop by itself.

const state = e2eState();

async function outcome(env: Record<string, string>): Promise<{ code: number | null; output: string; runDir: string }> {
  const dir = mkdtempSync(join(state.baseDir, 'lifecycle-'));
  const runDir = join(dir, 'run');
  const child = spawn(SERVICE_LAUNCHER, [], {
    env: {
      ...LAUNCHER_ENV,
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOST: '127.0.0.1',
      ADMIN_HOST: '127.0.0.1',
      ADMIN_PORT: String(await freePort()),
      PORT: String(await freePort()),
      SOCKET_PATH: '',
      DOCKER_DATA_ROOT: join(dir, 'data'),
      DOCKERD_RUN_DIR: runDir,
      DATA_DIR: join(dir, 'state'),
      DOCKERD_ARGS: '--bridge=none --iptables=false',
      LOG_FORMAT: 'text',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 60_000);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  return { code, output, runDir };
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('start-up failures leave nothing behind', () => {
  let held: Server;
  let heldPort: number;

  beforeAll(async () => {
    heldPort = await freePort();
    held = createServer();
    await new Promise<void>((resolve) => held.listen(heldPort, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise((resolve) => held.close(resolve)));

  it('a Docker API port in use stops start-up (exit 1) before dockerd starts: no daemon is orphaned', async () => {
    const result = await outcome({ PORT: String(heldPort) });
    expect(result.code).toBe(1);
    expect(result.output).toContain(`cannot listen on 127.0.0.1:${heldPort} (PORT/HOST)`);
    expect(result.output).not.toContain('starting dockerd');
    expect(processesMentioning(result.runDir)).toEqual([]);
  });

  it('an admin port in use stops start-up (exit 1) with no daemon left', async () => {
    const result = await outcome({ ADMIN_PORT: String(heldPort) });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/EADDRINUSE/);
    expect(processesMentioning(result.runDir)).toEqual([]);
  });

  it('a socket path that another process serves stops start-up before dockerd starts', async () => {
    const dir = mkdtempSync(join(state.baseDir, 'served-'));
    const path = join(dir, 'api.sock');
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(path, resolve));
    try {
      const result = await outcome({ SOCKET_PATH: path });
      expect(result.code).toBe(1);
      expect(result.output).toContain(`cannot listen on ${path} (SOCKET_PATH): another process is serving it`);
      expect(processesMentioning(result.runDir)).toEqual([]);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it.each([['-Htcp://127.0.0.1:PORT'], ['-DHtcp://127.0.0.1:PORT'], ['--host=tcp://127.0.0.1:PORT']])(
    'a dockerd argument %s is refused at start (exit 2) and nothing listens there',
    async (spelled) => {
      const port = await freePort();
      const result = await outcome({ DOCKERD_ARGS: spelled.replace('PORT', String(port)) });
      expect(result.code).toBe(2);
      expect(result.output).toContain('--host is set by dind-service itself');
      expect(await listening(port)).toBe(false);
    },
  );

  it('a socket path over a regular file is refused (exit 2) and the file is left alone', async () => {
    const file = join(mkdtempSync(join(state.baseDir, 'file-')), 'passwd');
    writeFileSync(file, 'root:x:0:0\n');
    const result = await outcome({ SOCKET_PATH: file });
    expect(result.code).toBe(2);
    expect(result.output).toContain('exists and is not a socket');
    expect(existsSync(file) && readFileSync(file, 'utf8')).toBe('root:x:0:0\n');
  });

  it('the service lowers its own OOM score below the tenants\' (SERVICE_OOM_SCORE_ADJ), or says why it cannot', () => {
    const capEff = BigInt(`0x${/CapEff:\s+([0-9a-f]+)/.exec(readFileSync(`/proc/${state.servicePid}/status`, 'utf8'))![1]}`);
    const canLower = ((capEff >> 24n) & 1n) === 1n; // CAP_SYS_RESOURCE
    const adjustment = readFileSync(`/proc/${state.servicePid}/oom_score_adj`, 'utf8').trim();
    if (canLower) expect(adjustment).toBe('-500');
    // Without CAP_SYS_RESOURCE (as on the development machines) the service starts anyway and says so.
    else expect(readFileSync(state.serviceLog, 'utf8')).toContain("cannot set the service's OOM score adjustment to -500 (SERVICE_OOM_SCORE_ADJ)");
  });

  it('ADMIN_TOKEN does not reach dockerd or containerd', async () => {
    const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const daemons = processesMentioning(state.runDir).filter((p) => /dockerd|containerd/.test(p.cmdline.split(' ')[0]));
    expect(daemons.length).toBeGreaterThanOrEqual(2);
    for (const daemon of daemons) expect(environ(daemon.pid).filter((line) => line.startsWith('ADMIN_TOKEN='))).toEqual([]);
  });
});

describe('a log reader that goes away', () => {
  // Sidecar mode, in front of the run's daemon: a second managed dockerd would
  // share this host's network namespace with the run's, and one started with
  // --bridge=none deletes the docker0 bridge the run's daemon uses.
  it('does not stop the service: it becomes ready, serves, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(state.baseDir, 'lifecycle-'));
    const [apiPort, adminPort] = [await freePort(), await freePort()];
    const child = spawn(SERVICE_LAUNCHER, [], {
      env: {
        ...LAUNCHER_ENV,
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOST: '127.0.0.1',
        PORT: String(apiPort),
        SOCKET_PATH: '',
        ADMIN_HOST: '127.0.0.1',
        ADMIN_PORT: String(adminPort),
        DOCKER_UPSTREAM: `unix://${join(state.runDir, 'docker.sock')}`,
        DATA_DIR: join(dir, 'state'),
        LOG_FORMAT: 'text',
        SHUTDOWN_GRACE_MS: '2000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const within = <T>(ms: number, what: Promise<T>) => Promise.race([what, new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), ms))]);
    try {
      // The reader takes the first lines and leaves: every later write meets a closed pipe.
      await new Promise((resolve) => child.stdout.once('data', resolve));
      child.stdout.destroy();
      child.stderr.destroy();
      let ready = false;
      for (let i = 0; i < 60 && !ready; i++) {
        ready = (await within(1000, fetch(`http://127.0.0.1:${adminPort}/ready`).then((r) => r.status === 200, () => false))) === true;
        if (!ready) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(ready).toBe(true);
      // Every request logs and records: each of these writes meets the closed pipe.
      for (let i = 0; i < 3; i++) expect((await fetch(`http://127.0.0.1:${apiPort}/_ping`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${apiPort}/v1.41/containers/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"Image":"x","HostConfig":{"Privileged":true}}' })).status).toBe(403);
      child.kill('SIGTERM');
      expect(await within(30_000, exited)).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
