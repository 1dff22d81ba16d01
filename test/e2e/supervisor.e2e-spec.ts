import { spawn } from 'node:child_process';
import { daemonCgroupName } from '@dind/daemon';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker, text } from '../support/docker-cli';
import { e2eState, STATE_FILE } from '../support/e2e-state';
import { isReady, startService, waitFor } from '../support/global-setup';
import { pidsCgroupDirOf } from '../support/host-cgroup';
import { isAlive, processesMentioning } from '../support/leftovers';
import { egressTraces } from '../support/egress-traces';
import { messageOf, rawRequest } from '../support/raw-http';

let state = e2eState();
const cli = state.clis[0];
const dockerdPid = () => Number(readFileSync(join(state.runDir, 'dockerd.pid'), 'utf8').trim());

describe('the dockerd supervisor', () => {
  it('started although a stale pidfile named a live non-dockerd process', () => {
    expect(readFileSync(state.serviceLog, 'utf8')).toContain('removing stale pidfile');
  });

  it('loses no committed audit record when the service is killed with SIGKILL, and takes over its orphaned dockerd', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await rawRequest({ port: state.apiPort }, 'POST', '/v1.41/containers/create', {
        body: JSON.stringify({ Image: state.image, HostConfig: { Privileged: true } }),
        headers: { 'content-type': 'application/json' },
      });
      ids.push(/\[request id ([0-9a-f]+)\]/.exec(messageOf(response))![1]);
    }
    process.kill(state.servicePid, 'SIGKILL');
    await waitFor('service gone', async () => !isAlive(state.servicePid), 10_000);
    const servicePid = await startService(state.serviceEnv, state.serviceLog, state.adminUrl);
    state = { ...state, servicePid };
    writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
    expect(readFileSync(state.serviceLog, 'utf8')).toContain('of a previous run is still running; stopping it');
    // The killed service's egress rules were replaced, not doubled.
    expect(egressTraces().filter((line) => line.includes('-A OUTPUT'))).toEqual([
      expect.stringMatching(/^iptables -A OUTPUT -m owner --gid-owner \d+ --suppl-groups -j DIND-EGRESS$/),
      expect.stringMatching(/^ip6tables -A OUTPUT -m owner --gid-owner \d+ --suppl-groups -j DIND-EGRESS$/),
    ]);
    for (const id of ids) {
      const response = await fetch(`${state.adminUrl}/audit/${id}`, { headers: { Authorization: `Bearer ${state.adminToken}` } });
      expect(response.status).toBe(200);
    }
    expect(text(await docker(cli, state.tcpHost, ['run', '--rm', state.image, 'echo', 'after-service-restart']))).toBe('after-service-restart');
  });

  it('restarts dockerd after SIGKILL and the proxy serves again, without waiting on the stale containerd', async () => {
    const before = dockerdPid();
    const restarts = async () => Number(/^dind_daemon_restarts (\d+)$/m.exec(await (await fetch(`${state.adminUrl}/metrics`)).text())?.[1]);
    const restartsBefore = await restarts();
    const killedAt = Date.now();
    process.kill(before, 'SIGKILL');
    // While the daemon is down, requests get a fast answer, never a hang.
    const started = Date.now();
    const during = await rawRequest({ port: state.apiPort }, 'GET', '/_ping');
    expect(Date.now() - started).toBeLessThan(2000);
    expect([200, 502, 503]).toContain(during.status);
    await waitFor('dockerd restarted', async () => {
      try {
        return dockerdPid() !== before && (await isReady(state.adminUrl));
      } catch {
        return false;
      }
    }, 60_000);
    // Reaped on the crash path: the first restart succeeds (before, a stale
    // containerd made it fail and cost a second one).
    console.log(`dockerd SIGKILL to ready again: ${Date.now() - killedAt} ms`);
    expect((await restarts()) - restartsBefore).toBe(1);
    const result = await docker(cli, state.tcpHost, ['run', '--rm', state.image, 'echo', 'after-restart']);
    expect(text(result)).toBe('after-restart');
  });

  it('notices a hung dockerd (SIGSTOP): not ready, dind_daemon_up 0, then restarts it and serves again', async () => {
    const hung = dockerdPid();
    const metric = async () => /^dind_daemon_up (\d)$/m.exec(await (await fetch(`${state.adminUrl}/metrics`)).text())?.[1];
    process.kill(hung, 'SIGSTOP');
    try {
      await waitFor('readiness false', async () => !(await isReady(state.adminUrl)), 10_000);
      await waitFor('dind_daemon_up 0', async () => (await metric()) === '0', 10_000);
      // Alive while the supervisor deals with it: the orchestrator must not kill the pod yet.
      expect((await fetch(`${state.adminUrl}/health`)).status).toBe(200);
      await waitFor('a new dockerd', async () => {
        try {
          return dockerdPid() !== hung;
        } catch {
          return false;
        }
      }, 30_000);
    } finally {
      if (isAlive(hung)) process.kill(hung, 'SIGCONT');
    }
    await waitFor('ready again', async () => isReady(state.adminUrl), 60_000);
    expect(await metric()).toBe('1');
    expect(isAlive(hung)).toBe(false);
    expect(readFileSync(state.serviceLog, 'utf8')).toMatch(/dockerd \(pid \d+\) missed 3 pings in a row; restarting it/);
    const result = await docker(cli, state.tcpHost, ['run', '--rm', state.image, 'echo', 'after-hang']);
    expect(text(result)).toBe('after-hang');
  });

  it('on SIGTERM stops its containers and daemon, leaves no process behind and exits 0', async () => {
    const started = await docker(cli, state.tcpHost, ['run', '-d', state.image, 'sleep', '1000']);
    expect(started.code).toBe(0);
    expect(processesMentioning(state.runDir).some((p) => p.cmdline.includes('containerd-shim'))).toBe(true);
    // A process of someone else's whose path merely starts like the run directory
    // (another instance's `/run/dind2` beside `/run/dind`) is not ours to reap.
    const siblingDir = `${state.runDir}-sibling`;
    mkdirSync(siblingDir, { recursive: true });
    symlinkSync('/bin/sleep', join(siblingDir, 'containerd'));
    const sibling = spawn(join(siblingDir, 'containerd'), ['1000'], { stdio: 'ignore', detached: true });
    sibling.unref();

    // The daemon's cgroup, made beneath the service's own in every hierarchy.
    const daemonCgroup = join(pidsCgroupDirOf(state.servicePid), daemonCgroupName(state.runDir));
    expect(existsSync(join(daemonCgroup, 'pids.max'))).toBe(true);
    try {
      process.kill(state.servicePid, 'SIGTERM');
      await waitFor('service exited', async () => !isAlive(state.servicePid), 60_000);
      expect(readFileSync(state.serviceLog, 'utf8')).toContain('"stopped"');
      expect(processesMentioning(`${state.runDir}/`)).toEqual([]);
      expect(isAlive(sibling.pid!)).toBe(true);
      expect(egressTraces()).toEqual([]);
      expect(existsSync(daemonCgroup)).toBe(false);
    } finally {
      sibling.kill('SIGKILL');
    }
  });
});
