import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { join } from 'node:path';
import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { openEgressHole } from '../support/egress-hole';
import { messageOf, rawRequest } from '../support/raw-http';

// References are judged by what the daemon resolves them to. The attacker's
// preconditions (a bind-backed volume, a container using it) are made on the
// daemon's own socket, past the proxy, as an operator or another user of a
// shared daemon could have; then they are used through the proxy.

const state = e2eState();
const daemonSocket = join(state.runDir, 'docker.sock');
const daemonHost = `unix://${daemonSocket}`;
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
const direct = (args: string[]) => docker(state.clis[0], daemonHost, args);
const VERSIONS = ['/v1.24', '/v1.41', ''];
const json = { 'Content-Type': 'application/json' };

describe('named volumes are judged by their driver options, whoever created them', () => {
  const hostDir = mkdtempSync(join(state.baseDir, 'bound-'));
  writeFileSync(join(hostDir, 'marker'), 'host file');
  const names = { bound: unique('bound'), plain: unique('plain'), lender: unique('lender'), fresh: unique('fresh') };

  beforeAll(async () => {
    for (const args of [
      ['volume', 'create', '--driver', 'local', '--opt', 'type=none', '--opt', 'o=bind', '--opt', `device=${hostDir}`, names.bound],
      ['volume', 'create', names.plain],
      // Otherwise unremarkable (private cgroup namespace), so only its volume is in question.
      ['run', '-d', '--name', names.lender, '--cgroupns', 'private', '-v', `${names.bound}:/data`, state.image, 'sleep', '300'],
    ]) {
      const made = await direct(args);
      if (made.code !== 0) throw new Error(`cannot ${args.join(' ')} on the daemon: ${made.stderr}`);
    }
    // The precondition is real: on the daemon's own socket the volume is the host directory.
    expect(text(await direct(['run', '--rm', '-v', `${names.bound}:/data`, state.image, 'cat', '/data/marker']))).toBe('host file');
  });

  afterAll(async () => {
    await direct(['rm', '-f', names.lender]);
    await direct(['volume', 'rm', names.bound, names.plain, names.fresh]);
  });

  describe.each(state.clis.map((cli) => [cli]))('with %s', (cli) => {
    const run = (args: string[]) => docker(cli, state.tcpHost, args);
    const containerCount = async () => text(await direct(['ps', '-aq'])).split('\n').filter(Boolean).length;

    it.each([
      ['-v bound:/data', () => ['-v', `${names.bound}:/data`], 'HostConfig.Binds[0]'],
      ['-v bound:/data:ro', () => ['-v', `${names.bound}:/data:ro`], 'HostConfig.Binds[0]'],
      ['--mount source=bound', () => ['--mount', `source=${names.bound},target=/data`], 'HostConfig.Mounts[0].Source'],
      ['--volumes-from a container that mounts it', () => ['--volumes-from', names.lender], 'HostConfig.VolumesFrom[0]'],
    ])('refuses %s, creates nothing and reads no host file', async (_name, args, field) => {
      const before = await containerCount();
      const result = await run(['run', '--rm', ...args(), state.image, 'cat', '/data/marker']);
      expect(result.code).not.toBe(0);
      expect(result.stdout.toString()).not.toContain('host file');
      expect(result.stderr).toContain(field);
      expect(result.stderr).toContain(`volume "${names.bound}" exists with DriverOpts=`);
      expect(result.stderr).toContain('(rule volume-reference)');
      expect(await containerCount()).toBe(before);
    });

    it('still mounts a plain named volume, existing or new', async () => {
      expect(text(await run(['run', '--rm', '-v', `${names.plain}:/data`, state.image, 'sh', '-c', 'echo kept > /data/f && cat /data/f']))).toBe('kept');
      expect(text(await run(['run', '--rm', '--mount', `source=${names.plain},target=/data`, state.image, 'cat', '/data/f']))).toBe('kept');
      expect(text(await run(['run', '--rm', '-v', `${names.fresh}:/data`, state.image, 'sh', '-c', 'echo new > /data/f && cat /data/f']))).toBe('new');
    });
  });
});

describe('networks are judged by what the daemon resolves them to', () => {
  const userNet = unique('usernet');
  const parked = unique('parked');
  let hostId = '';

  beforeAll(async () => {
    hostId = text(await direct(['network', 'inspect', 'host', '-f', '{{.Id}}']));
    expect(hostId).toMatch(/^[0-9a-f]{64}$/);
    for (const args of [['network', 'create', userNet], ['create', '--name', parked, state.image, 'sleep', '300']]) {
      const made = await docker(state.clis[0], state.tcpHost, args);
      if (made.code !== 0) throw new Error(`cannot ${args.join(' ')} through the proxy: ${made.stderr}`);
    }
  });

  afterAll(async () => {
    await direct(['rm', '-f', parked]);
    await direct(['network', 'rm', userNet]);
  });

  const onDaemon = (path: string) => rawRequest({ socketPath: daemonSocket }, 'GET', path);

  it.each(VERSIONS)('refuses a create at %s whose user-network endpoint carries the host network ID, and no container exists', async (version) => {
    const name = unique('hostid');
    const body = JSON.stringify({ Image: state.image, Cmd: ['true'], NetworkingConfig: { EndpointsConfig: { [userNet]: { NetworkID: hostId } } } });
    const response = await rawRequest({ port: state.apiPort }, 'POST', `${version}/containers/create?name=${name}`, { body, headers: json });
    expect(response.status).toBe(403);
    expect(messageOf(response)).toContain(`NetworkingConfig.EndpointsConfig.${userNet}.NetworkID="${hostId}"`);
    expect(messageOf(response)).toContain('the host network');
    expect((await onDaemon(`/containers/${name}/json`)).status).toBe(404);
  });

  it.each(VERSIONS)('refuses a connect at %s to the host network by ID prefix', async (version) => {
    const response = await rawRequest({ port: state.apiPort }, 'POST', `${version}/networks/${hostId.slice(0, 10)}/connect`, { body: JSON.stringify({ Container: parked }), headers: json });
    expect(response.status).toBe(403);
    expect(messageOf(response)).toMatch(/host network/);
  });

  it.each(VERSIONS)('refuses a connect at %s to a user network whose endpoint carries the host network ID, and the container stays off it', async (version) => {
    const body = JSON.stringify({ Container: parked, EndpointConfig: { NetworkID: hostId } });
    const response = await rawRequest({ port: state.apiPort }, 'POST', `${version}/networks/${userNet}/connect`, { body, headers: json });
    expect(response.status).toBe(403);
    expect(messageOf(response)).toContain(`EndpointConfig.NetworkID="${hostId}"`);
    const inspected = JSON.parse((await onDaemon(`/containers/${parked}/json`)).body) as { NetworkSettings: { Networks: Record<string, unknown> } };
    expect(Object.keys(inspected.NetworkSettings.Networks)).not.toContain(userNet);
    expect(Object.keys(inspected.NetworkSettings.Networks)).not.toContain('host');
  });

  it('refuses a connect to a network the daemon does not know (it would be resolved again at start)', async () => {
    const response = await rawRequest({ port: state.apiPort }, 'POST', `/v1.41/networks/${unique('nosuch')}/connect`, { body: JSON.stringify({ Container: parked }), headers: json });
    expect(response.status).toBe(403);
    expect(messageOf(response)).toContain('no such network');
  });

  it.each(state.clis.map((cli) => [cli]))('still runs on and connects to a user network (%s)', async (cli) => {
    const run = (args: string[]) => docker(cli, state.tcpHost, args);
    expect(text(await run(['run', '--rm', '--network', userNet, state.image, 'sh', '-c', 'echo on-net']))).toBe('on-net');
    const connected = await run(['network', 'connect', userNet, parked]);
    expect(connected.stderr).toBe('');
    expect(connected.code).toBe(0);
    expect((await run(['network', 'disconnect', userNet, parked])).code).toBe(0);
  });
});

describe('registry references are parsed as the daemon parses them', () => {
  let listener: Server;
  let port = 0;
  let connections = 0;
  // Past the kernel egress rules: these tests judge the reference parser.
  let hole: { close(): void } | undefined;

  beforeAll(async () => {
    // Counts connections, not requests: the daemon's first attempt is TLS.
    listener = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as { port: number }).port;
    hole = openEgressHole([`127.0.0.1:${port}`]);
  });

  afterAll(() => {
    hole?.close();
    return new Promise((resolve) => listener.close(resolve));
  });

  it('the listener is reachable: the daemon itself dials 127.0.0.1 for a pull on its own socket', async () => {
    await rawRequest({ socketPath: daemonSocket }, 'POST', `/v1.41/images/create?fromImage=${encodeURIComponent(`127.0.0.1:${port}/x`)}&tag=1`);
    expect(connections).toBeGreaterThan(0);
    connections = 0;
  });

  const tricks = () => [
    `[::ffff:7f00:1]:${port}/x`,
    `[::ffff:127.0.0.1]:${port}/x`,
    `[0:0:0:0:0:FFFF:7F00:1]:${port}/x`,
    `[::127.0.0.1]:${port}/x`,
    `[::7f00:1]:${port}/x`,
    `[::1]:${port}/x`,
    `LOCALHOST:${port}/x`,
    'LOCALHOST/x',
    'Localhost/x',
  ];

  it.each(VERSIONS)('refuses every trick reference at %s, and the listener records nothing', async (version) => {
    for (const reference of tricks()) {
      const response = await rawRequest({ port: state.apiPort }, 'POST', `${version}/images/create?fromImage=${encodeURIComponent(reference)}&tag=1`);
      expect({ reference, status: response.status }).toEqual({ reference, status: 403 });
      expect(messageOf(response)).toContain('(rule remote-address)');
    }
    const push = await rawRequest({ port: state.apiPort }, 'POST', `${version}/images/Localhost/x/push`);
    expect(push.status).toBe(403);
    expect(messageOf(push)).toContain('(rule remote-address)');
    expect(connections).toBe(0);
  });

  it.each(state.clis.map((cli) => [cli]))('docker pull of an uppercase localhost is refused by the proxy (%s)', async (cli) => {
    const result = await docker(cli, state.tcpHost, ['pull', `LOCALHOST:${port}/x`]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('rule remote-address');
    expect(connections).toBe(0);
  });
});
