import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';

// Containers that did not come in through the policy (a daemon shared in sidecar
// mode, or dry-run) must not lend what the policy refuses: their host mounts
// (VolumesFrom), their namespaces (container:<ref>) or their privileges (exec).
// They are made here on the daemon's own socket, past the proxy, and then
// borrowed through the proxy.

const state = e2eState();
const daemonHost = `unix://${join(state.runDir, 'docker.sock')}`;
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

describe('borrowing from another container requires that it satisfies the policy', () => {
  const direct = (args: string[]) => docker(state.clis[0], daemonHost, args);
  const hostDir = mkdtempSync(join(state.baseDir, 'lent-'));
  writeFileSync(join(hostDir, 'marker'), 'host file');
  const names = { hostBind: unique('hostbind'), hostNet: unique('hostnet'), chained: unique('chained'), fine: unique('fine') };

  beforeAll(async () => {
    for (const args of [
      ['--name', names.hostBind, '-v', `${hostDir}:/h`],
      ['--name', names.hostNet, '--net', 'host'],
      ['--name', names.chained, '--net', `container:${names.hostNet}`],
    ]) {
      const started = await direct(['run', '-d', ...args, state.image, 'sleep', '300']);
      if (started.code !== 0) throw new Error(`cannot start ${args[1]} on the daemon: ${started.stderr}`);
    }
    const fine = await docker(state.clis[0], state.tcpHost, ['run', '-d', '--name', names.fine, '-v', `${names.fine}-vol:/data`, state.image, 'sh', '-c', 'echo lent > /data/f; sleep 300']);
    if (fine.code !== 0) throw new Error(`cannot start ${names.fine} through the proxy: ${fine.stderr}`);
  });

  afterAll(async () => {
    await direct(['rm', '-f', '-v', ...Object.values(names)]);
    await direct(['volume', 'rm', `${names.fine}-vol`]);
  });

  describe.each(state.clis.map((cli) => [cli]))('with %s', (cli) => {
    const run = (args: string[]) => docker(cli, state.tcpHost, args);
    const containerCount = async () => text(await direct(['ps', '-aq'])).split('\n').filter(Boolean).length;

    it.each([
      ['--volumes-from a container with a host bind', () => ['--volumes-from', names.hostBind], 'so taking its volumes is not allowed'],
      ['--volumes-from it with an SELinux mode (the daemon splits at the first colon)', () => ['--volumes-from', `${names.hostBind}:z`], 'so taking its volumes is not allowed'],
      ['--volumes-from a container that does not exist (not checked, so not lent)', () => ['--volumes-from', 'no-such-container'], 'no such container'],
      ['--net container: of a host-network container', () => ['--net', `container:${names.hostNet}`], 'so joining its network namespace is not allowed'],
      ['--net container: of a container that joined a host-network one', () => ['--net', `container:${names.chained}`], 'so joining its network namespace is not allowed'],
      ['--pid container: of a container with a host bind', () => ['--pid', `container:${names.hostBind}`], 'so joining its PID namespace is not allowed'],
    ])('refuses %s, and nothing is created', async (_name, args, reason) => {
      const before = await containerCount();
      const result = await run(['run', '--rm', ...args(), state.image, 'cat', '/h/marker']);
      expect(result.code).not.toBe(0);
      expect(result.stdout.toString()).not.toContain('host file');
      expect(result.stderr).toContain(reason);
      expect(result.stderr).toContain('rule container-reference');
      expect(await containerCount()).toBe(before);
    });

    it('refuses exec into a container with a host bind', async () => {
      const result = await run(['exec', names.hostBind, 'cat', '/h/marker']);
      expect(result.code).not.toBe(0);
      expect(result.stdout.toString()).not.toContain('host file');
      expect(result.stderr).toContain('so running a process in it is not allowed (rule container-reference)');
    });

    it('lends from a container that satisfies the policy: volumes, network namespace, exec', async () => {
      expect(text(await run(['run', '--rm', '--volumes-from', `${names.fine}:ro`, state.image, 'cat', '/data/f']))).toBe('lent');
      const fineNetns = text(await run(['exec', names.fine, 'readlink', '/proc/self/ns/net']));
      expect(fineNetns).toMatch(/^net:\[\d+\]$/);
      expect(text(await run(['run', '--rm', '--net', `container:${names.fine}`, state.image, 'readlink', '/proc/self/ns/net']))).toBe(fineNetns);
    });
  });
});
