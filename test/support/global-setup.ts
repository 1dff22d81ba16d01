import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { docker } from './docker-cli';
import { E2eState, STATE_FILE } from './e2e-state';
import { buildBusyboxRootfs } from './test-image';
import { existsSync } from 'node:fs';
import { processesMentioning } from './leftovers';
import { daemonNetworkTracesPresent, forwardPolicy } from './daemon-network-traces';

export const SERVICE_ENTRY = join(__dirname, '..', '..', 'dist', 'apps', 'proxy', 'apps', 'proxy', 'src', 'main.js');
/** The service as operators start it: the launcher sizes node's heap; NODE makes it run this test's node. */
export const SERVICE_LAUNCHER = join(__dirname, '..', '..', 'bin', 'dind-service');
export const LAUNCHER_ENV = { NODE: process.execPath };
const CLIS = ['/usr/bin/docker', '/usr/local/bin/docker'].filter((cli) => existsSync(cli));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

/** Starts the built service detached (it outlives this process), waits until ready, returns its pid. */
export async function startService(env: Record<string, string>, log: string, adminUrl: string): Promise<number> {
  const logFd = openSync(log, 'a');
  const service = spawn(SERVICE_LAUNCHER, [], { env: { ...process.env, ...LAUNCHER_ENV, ...env }, stdio: ['ignore', logFd, logFd], detached: true });
  closeSync(logFd);
  service.unref();
  await waitFor(`service ready (log: ${log})`, () => isReady(adminUrl), 90_000);
  return service.pid!;
}

export const isReady = async (adminUrl: string): Promise<boolean> => (await fetch(`${adminUrl}/ready`)).status === 200;

/**
 * The test daemon needs the docker0 bridge and the DOCKER iptables chains to
 * itself: with another dockerd running, containers of the run get no gateway
 * and the failures say nothing about why. Stop at once and say so instead.
 */
function refuseForeignDaemons(): void {
  const foreign = processesMentioning('dockerd').filter(({ cmdline }) => /(^|\/)dockerd$/.test(cmdline.split(' ')[0]));
  if (foreign.length === 0) return;
  throw new Error(
    `another dockerd is running (${foreign.map((p) => `pid ${p.pid}: ${p.cmdline.slice(0, 120)}`).join('; ')}).\n` +
      'The end-to-end tests start a dockerd of their own, which needs the docker0 bridge and the iptables chains to itself: ' +
      'stop the other daemon (for the system one: systemctl stop docker docker.socket) and run the tests again.',
  );
}

/**
 * The dockerd the run tests: the system's (Debian 12: 20.10), or with
 * DIND_E2E_ENGINE=26 the engine scripts/engine.sh unpacks from Debian 13.
 */
function engineDockerd(engine: string): string {
  if (engine === '') return 'dockerd';
  const script = join(__dirname, '..', '..', 'scripts', 'engine.sh');
  const printed = execFileSync('bash', [script, engine], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return printed.trim().split('\n').pop()!;
}

/** Starts the built service with its own dockerd in a temporary directory. */
export default async function globalSetup(): Promise<void> {
  if (!existsSync(SERVICE_ENTRY)) throw new Error(`${SERVICE_ENTRY} is missing: run npm run build first`);
  if (CLIS.length === 0) throw new Error('no docker CLI found (apt-get install docker.io)');
  refuseForeignDaemons();
  const networkTraces = daemonNetworkTracesPresent() ? undefined : { forwardPolicy: forwardPolicy() };
  const baseDir = mkdtempSync(join(tmpdir(), 'dind-e2e-'));
  const runDir = join(baseDir, 'run');
  const socketPath = join(baseDir, 'api', 'docker.sock');
  const [apiPort, adminPort] = [await freePort(), await freePort()];

  // A pidfile left by a "previous run" whose pid now belongs to another process
  // (this one): the supervisor must not let it block dockerd.
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(runDir, 'dockerd.pid'), String(process.pid));

  const serviceLog = join(baseDir, 'service.log');
  const adminToken = randomBytes(16).toString('hex');
  const dockerdPath = engineDockerd(process.env.DIND_E2E_ENGINE ?? '');
  const serviceEnv = {
    DOCKERD_PATH: dockerdPath,
    PORT: String(apiPort),
    // All addresses, so that the network-position spec can try from inside containers.
    HOST: '0.0.0.0',
    SOCKET_PATH: socketPath,
    ADMIN_PORT: String(adminPort),
    ADMIN_HOST: '0.0.0.0',
    DOCKER_DATA_ROOT: join(baseDir, 'data'),
    DOCKERD_RUN_DIR: runDir,
    SHUTDOWN_GRACE_MS: '3000',
    DOCKERD_RESTART_BACKOFF_MS: '200',
    // A hung daemon is noticed within seconds (the supervisor spec stops it with SIGSTOP).
    DOCKERD_WATCH_INTERVAL_MS: '1000',
    DOCKERD_STOP_TIMEOUT_MS: '5000',
    DATA_DIR: join(baseDir, 'state'),
    ADMIN_TOKEN: adminToken,
  };
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const servicePid = await startService(serviceEnv, serviceLog, adminUrl);

  const state: E2eState = {
    baseDir,
    runDir,
    dataRoot: join(baseDir, 'data'),
    servicePid,
    serviceLog,
    tcpHost: `tcp://127.0.0.1:${apiPort}`,
    unixHost: `unix://${socketPath}`,
    socketPath,
    apiPort,
    adminUrl,
    image: 'dind-test/busybox:latest',
    clis: CLIS,
    adminToken,
    serviceEnv,
    networkTraces,
  };
  mkdirSync(dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));

  // The test image enters the daemon through the proxy (images/create?fromSrc=-).
  const imported = await docker(CLIS[0], state.tcpHost, ['import', buildBusyboxRootfs(baseDir), state.image], { timeoutMs: 120_000 });
  if (imported.code !== 0) throw new Error(`docker import failed: ${imported.stderr}`);
}
