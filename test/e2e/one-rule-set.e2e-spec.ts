import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { messageOf, rawRequest } from '../support/raw-http';

// Every way a container configuration comes into existence is judged by the
// create rules: the containers a classic build runs its RUN steps in, and the
// image configs commit/import write (ONBUILD triggers run in a later build).
// Judged by effect: what the daemon holds afterwards, and a loopback listener
// that a step in the host's network namespace, or a planted ONBUILD ADD, would reach.

const state = e2eState();
const daemonSocket = join(state.runDir, 'docker.sock');
const daemonHost = `unix://${daemonSocket}`;
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
const direct = (args: string[]) => docker(state.clis[0], daemonHost, args);
const viaProxy = (args: string[], input?: string | Buffer) => docker(state.clis[0], state.tcpHost, args, { input, timeoutMs: 120_000 });
const imageExists = async (tag: string) => (await direct(['image', 'inspect', tag])).code === 0;

describe('one rule set for every way a container configuration comes into existence', () => {
  let listener: Server;
  let port = 0;
  const hits: string[] = [];
  const hostNet = unique('hostnet');
  const fine = unique('fine');
  const committed = unique('tocommit');
  const tags: string[] = [];
  const tag = (prefix: string) => {
    const name = `${unique(prefix)}:t`;
    tags.push(name);
    return name;
  };

  /** A context whose RUN step fetches the listener: on the host's loopback only in the host's network namespace. */
  const context = () => {
    const dir = mkdtempSync(join(state.baseDir, 'onerules-'));
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${state.image}\nRUN wget -q -O /ran http://127.0.0.1:${port}/step-ran || true\n`);
    return dir;
  };
  const contextTar = () => execFileSync('tar', ['-C', context(), '-cf', '-', 'Dockerfile']);

  beforeAll(async () => {
    listener = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('x');
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as AddressInfo).port;
    // Outside the proxy, as an operator or another user of a shared daemon would.
    const started = await direct(['run', '-d', '--name', hostNet, '--net', 'host', state.image, 'sleep', '300']);
    if (started.code !== 0) throw new Error(`cannot start ${hostNet} on the daemon: ${started.stderr}`);
    const ok = await viaProxy(['run', '-d', '--name', fine, state.image, 'sleep', '300']);
    if (ok.code !== 0) throw new Error(`cannot start ${fine} through the proxy: ${ok.stderr}`);
    const made = await viaProxy(['create', '--name', committed, state.image, 'true']);
    if (made.code !== 0) throw new Error(`cannot create ${committed}: ${made.stderr}`);
  });

  afterAll(async () => {
    await direct(['rm', '-f', hostNet, fine, committed]);
    if (tags.length) await direct(['rmi', '-f', ...tags]);
    listener.close();
  });

  describe('build steps', () => {
    it('the same build on the daemon itself reaches the listener (so the checks below can fail)', async () => {
      const name = tag('control');
      const result = await docker(state.clis[0], daemonHost, ['build', '--network', `container:${hostNet}`, '-t', name, context()], { timeoutMs: 120_000 });
      expect(result.code).toBe(0);
      expect(hits).toContain('/step-ran');
      hits.length = 0;
    });

    it('refuses docker build --network container:<host-network container>; no step ran, no image', async () => {
      const name = tag('borrow');
      const result = await viaProxy(['build', '--network', `container:${hostNet}`, '-t', name, context()]);
      console.log(`build --network container:${hostNet}: code ${result.code}; ${result.stderr.trim()}`);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('so joining its network namespace is not allowed');
      expect(result.stderr).toContain('rule container-reference');
      expect(hits).toEqual([]);
      expect(await imageExists(name)).toBe(false);
    });

    it.each([['/v1.24'], ['/v1.41'], ['']])('refuses a raw build at API "%s" (empty: unversioned) naming it in networkmode; no step ran, no image', async (version) => {
      const name = tag('rawborrow');
      const response = await rawRequest({ port: state.apiPort }, 'POST', `${version}/build?t=${encodeURIComponent(name)}&networkmode=${encodeURIComponent(`container:${hostNet}`)}`, {
        body: contextTar(),
        headers: { 'Content-Type': 'application/x-tar' },
      });
      console.log(`raw build ${version || '(unversioned)'}: ${response.status} ${messageOf(response)}`);
      expect(response.status).toBe(403);
      expect(messageOf(response)).toContain('rule container-reference');
      expect(hits).toEqual([]);
      expect(await imageExists(name)).toBe(false);
    });

    it('builds with --network container:<a container that satisfies the policy>, and its step runs', async () => {
      const name = tag('lent');
      const result = await viaProxy(['build', '--network', `container:${fine}`, '-t', name, context()]);
      expect(result.code).toBe(0);
      expect(await imageExists(name)).toBe(true);
      expect(hits).toEqual([]);
    });

    it('refuses docker build --ulimit rtprio=99 (refused at create as well); no image', async () => {
      const name = tag('rtprio');
      const result = await viaProxy(['build', '--ulimit', 'rtprio=99', '-t', name, context()]);
      console.log(`build --ulimit rtprio=99: code ${result.code}; ${result.stderr.trim()}`);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('query.ulimits[0]');
      expect(result.stderr).toContain('rule realtime');
      expect(await imageExists(name)).toBe(false);
      const atCreate = await viaProxy(['create', '--ulimit', 'rtprio=99', state.image, 'true']);
      expect(atCreate.stderr).toContain('rule realtime');
    });
  });

  describe('ONBUILD triggers and image changes', () => {
    it('refuses docker commit --change ONBUILD ADD <loopback URL>; no image, and a build from its name reaches nothing', async () => {
      const name = tag('onbuild');
      const result = await viaProxy(['commit', '--change', `ONBUILD ADD http://127.0.0.1:${port}/x /x`, committed, name]);
      console.log(`commit --change ONBUILD: code ${result.code}; ${result.stderr.trim()}`);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('rule onbuild');
      expect(await imageExists(name)).toBe(false);
      const later = await viaProxy(['build', '-t', tag('later'), '-'], `FROM ${name}\n`);
      expect(later.code).not.toBe(0);
      expect(hits).toEqual([]);
    });

    it.each([['/v1.24'], ['/v1.41'], ['']])('refuses a raw commit at API "%s" (empty: unversioned) with an ONBUILD change', async (version) => {
      const name = unique('rawonbuild');
      const response = await rawRequest({ port: state.apiPort }, 'POST', `${version}/commit?container=${committed}&repo=${name}&changes=${encodeURIComponent('ENV A=b\nONBUILD RUN id')}`);
      expect(response.status).toBe(403);
      expect(messageOf(response)).toContain('rule onbuild');
      expect(await imageExists(`${name}:latest`)).toBe(false);
    });

    it('refuses docker import --change ONBUILD; no image', async () => {
      const name = tag('import');
      const rootfs = execFileSync('tar', ['-C', context(), '-cf', '-', 'Dockerfile']);
      const result = await viaProxy(['import', '--change', 'ONBUILD RUN id', '-', name], rootfs);
      console.log(`import --change ONBUILD: code ${result.code}; ${result.stderr.trim()}`);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('rule onbuild');
      expect(await imageExists(name)).toBe(false);
    });

    it('refuses a create body with Config.OnBuild; no container', async () => {
      const name = unique('onbuildcreate');
      const response = await rawRequest({ port: state.apiPort }, 'POST', `/v1.41/containers/create?name=${name}`, {
        body: JSON.stringify({ Image: state.image, Cmd: ['true'], OnBuild: [`ADD http://127.0.0.1:${port}/x /x`] }),
        headers: { 'Content-Type': 'application/json' },
      });
      console.log(`create with OnBuild: ${response.status} ${messageOf(response)}`);
      expect(response.status).toBe(403);
      expect(messageOf(response)).toContain('rule onbuild');
      expect((await direct(['container', 'inspect', name])).code).not.toBe(0);
    });

    it('commits with --change ENV and --change CMD, and the image holds them', async () => {
      const name = tag('legit');
      const result = await viaProxy(['commit', '--change', 'ENV A=b', '--change', 'CMD ["sh"]', committed, name]);
      expect(result.code).toBe(0);
      const config = JSON.parse(text(await direct(['image', 'inspect', '--format', '{{json .Config}}', name]))) as { Env: string[]; Cmd: string[]; OnBuild: unknown };
      expect(config.Env).toContain('A=b');
      expect(config.Cmd).toEqual(['sh']);
    });
  });
});
