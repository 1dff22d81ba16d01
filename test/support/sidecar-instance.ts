import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2eState } from './e2e-state';
import { freePort, isReady, LAUNCHER_ENV, SERVICE_LAUNCHER, startService } from './global-setup';
import { isAlive } from './leftovers';

/**
 * A second dind-service in sidecar mode (DOCKER_UPSTREAM) in front of the run's
 * one dockerd, with a policy file of its own: options are tested against the
 * real daemon without a second daemon fighting over the bridge.
 */
export interface SidecarInstance {
  readonly tcpHost: string;
  readonly apiPort: number;
  readonly adminUrl: string;
  readonly pid: number;
  readonly log: () => string;
  stop(): Promise<void>;
}

function sidecarEnv(state: E2eState, dir: string, policyFile: string, apiPort: number, adminPort: number): Record<string, string> {
  return {
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    SOCKET_PATH: '',
    ADMIN_PORT: String(adminPort),
    ADMIN_HOST: '127.0.0.1',
    ADMIN_TOKEN: state.adminToken,
    DOCKER_UPSTREAM: `unix://${join(state.runDir, 'docker.sock')}`,
    DATA_DIR: join(dir, 'state'),
    POLICY_FILE: policyFile,
    SHUTDOWN_GRACE_MS: '2000',
  };
}

/** `env` overrides the sidecar's settings (limits, timeouts). */
export async function startSidecarInstance(state: E2eState, name: string, policyYaml: string, env: Record<string, string> = {}): Promise<SidecarInstance> {
  const dir = mkdtempSync(join(state.baseDir, `sidecar-${name}-`));
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, policyYaml);
  const [apiPort, adminPort] = [await freePort(), await freePort()];
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const log = join(dir, 'service.log');
  const pid = await startService({ ...sidecarEnv(state, dir, policyFile, apiPort, adminPort), ...env }, log, adminUrl);
  return {
    pid,
    tcpHost: `tcp://127.0.0.1:${apiPort}`,
    apiPort,
    adminUrl,
    log: () => readFileSync(log, 'utf8'),
    async stop() {
      if (!isAlive(pid)) return;
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 15_000;
      while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    },
  };
}

/** Starts a sidecar whose policy file is expected to be refused; returns its exit code and output. */
export async function startupOutcome(state: E2eState, policyYaml: string): Promise<{ code: number | null; output: string; ready: boolean }> {
  const dir = mkdtempSync(join(state.baseDir, 'sidecar-invalid-'));
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, policyYaml);
  const [apiPort, adminPort] = [await freePort(), await freePort()];
  const log = join(dir, 'service.log');
  const logFd = openSync(log, 'a');
  const child = spawn(SERVICE_LAUNCHER, [], {
    env: { ...process.env, ...LAUNCHER_ENV, ...sidecarEnv(state, dir, policyFile, apiPort, adminPort) },
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 30_000);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  const ready = await isReady(`http://127.0.0.1:${adminPort}`).catch(() => false);
  return { code, output: readFileSync(log, 'utf8'), ready };
}
