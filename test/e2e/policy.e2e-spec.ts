import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { messageOf, rawRequest } from '../support/raw-http';

const state = e2eState();
const tcp = { port: state.apiPort };
const json = { 'content-type': 'application/json' };
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
// The capability set docker gives an unprivileged container by default.
const DEFAULT_CAPS = '00000000a80425fb';

describe('attack shapes, judged by what the daemon holds afterwards', () => {
  const cli = state.clis[0];
  const run = (args: string[]) => docker(cli, state.tcpHost, args);
  const marker = join(mkdtempSync(join(state.baseDir, 'host-')), 'marker');
  writeFileSync(marker, 'host secret');

  const containerCount = async () => text(await run(['ps', '-aq'])).split('\n').filter(Boolean).length;
  const createRaw = (body: string, version = '1.41') =>
    rawRequest(tcp, 'POST', `/v${version}/containers/create`, { body, headers: json });

  it.each([
    ['-v host path', ['-v', `${join(marker, '..')}:/h`]],
    ['-v / read-only', ['-v', '/:/h:ro']],
    ['--mount type=bind', ['--mount', `type=bind,src=${join(marker, '..')},dst=/h`]],
    ['--privileged', ['--privileged']],
    ['--cap-add ALL', ['--cap-add', 'ALL']],
    ['--cap-add sys_admin (lower case)', ['--cap-add', 'sys_admin']],
    ['--device', ['--device', '/dev/mem']],
    ['--net host', ['--net', 'host']],
    ['--pid host', ['--pid', 'host']],
    ['--ipc host', ['--ipc', 'host']],
    ['--uts host', ['--uts', 'host']],
    ['--userns host', ['--userns', 'host']],
    ['--security-opt seccomp=unconfined', ['--security-opt', 'seccomp=unconfined']],
    ['--security-opt apparmor=unconfined', ['--security-opt', 'apparmor=unconfined']],
    ['--security-opt label=disable', ['--security-opt', 'label=disable']],
    ['--security-opt systempaths=unconfined', ['--security-opt', 'systempaths=unconfined']],
    ['--sysctl', ['--sysctl', 'net.ipv4.ip_forward=1']],
    ['--cgroup-parent', ['--cgroup-parent', '/']],
    ['-p', ['-p', '18080:80']],
    ['--log-driver syslog', ['--log-driver', 'syslog', '--log-opt', 'syslog-address=tcp://127.0.0.1:1']],
    ['--oom-score-adj -1000', ['--oom-score-adj', '-1000']],
    ['--runtime', ['--runtime', 'foo']],
    ['--ulimit rtprio=99', ['--ulimit', 'rtprio=99']],
    ['--cpu-rt-runtime', ['--cpu-rt-runtime', '950000']],
  ])('docker run %s is refused and creates nothing', async (_name, flags) => {
    const before = await containerCount();
    const result = await run(['run', '--rm', ...flags, state.image, 'cat', '/h/marker']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('dind-service policy denied the request');
    expect(result.stdout.toString()).not.toContain('host secret');
    expect(await containerCount()).toBe(before);
  });

  it.each([
    ['a lower-case key', `{"Image":"${state.image}","HostConfig":{"binds":["/:/h"]}}`, 'rule body.shape'],
    ['a duplicate key', `{"Image":"${state.image}","HostConfig":{"Binds":[],"Binds":["/:/h"]}}`, 'rule body.json'],
    ['a case-variant duplicate', `{"Image":"${state.image}","HostConfig":{"Privileged":false,"PRIVILEGED":true}}`, 'rule body.json'],
    ['a long-s spelling', `{"Image":"${state.image}","HostConfig":{"UsernſMode":"host"}}`, 'rule body.shape'],
    ['API 1.40 Capabilities', `{"Image":"${state.image}","HostConfig":{"Capabilities":["CAP_SYS_ADMIN"]}}`, 'rule capabilities'],
    ['an escaped key', `{"Image":"${state.image}","HostConfig":{"Privileged":false,"Privil\\u0065ged":true}}`, 'rule body.json'],
  ])('a raw create with %s is refused', async (_name, body, rule) => {
    const response = await createRaw(body);
    expect(response.status).toBe(403);
    expect(messageOf(response)).toContain(rule);
  });

  it('a volume backed by a host bind cannot be created, so cannot be mounted by name', async () => {
    const name = unique('hostvol');
    const result = await run(['volume', 'create', '--driver', 'local', '--opt', 'type=none', '--opt', 'o=bind', '--opt', `device=${join(marker, '..')}`, name]);
    expect(result.stderr).toContain('rule volume-driver');
    expect((await run(['volume', 'inspect', name])).code).not.toBe(0);
  });

  it.each([
    ['a macvlan network', ['network', 'create', '-d', 'macvlan', '-o', 'parent=eth0', unique('mv')], 'rule network-driver'],
    ['a bridge on a host bridge', ['network', 'create', '-o', 'com.docker.network.bridge.name=docker0', unique('br')], 'rule network-driver'],
    ['a build on the host network', ['build', '--network', 'host', '-'], 'rule host-namespace'],
    ['an import from the metadata address', ['import', 'http://169.254.169.254/latest/x.tar', unique('imp')], 'rule remote-address'],
    ['a pull from a loopback registry', ['pull', '127.0.0.1:5000/x'], 'rule remote-address'],
    ['a login to localhost', ['login', '-u', 'u', '-p', 'p', 'localhost:5000'], 'rule remote-address'],
    ['a plugin install', ['plugin', 'install', '--grant-all-permissions', 'vieux/sshfs'], 'rule route.denied'],
  ])('%s is refused', async (_name, args, rule) => {
    const result = await docker(cli, state.tcpHost, args, { input: `FROM ${state.image}\n` });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(rule);
  });

  it('a privileged exec is refused; a root exec in an unprivileged container keeps the default capabilities', async () => {
    const id = text(await run(['run', '-d', state.image, 'sleep', '60']));
    try {
      const privileged = await run(['exec', '--privileged', id, 'true']);
      expect(privileged.stderr).toContain('rule privileged');
      const caps = await run(['exec', '-u', '0', id, 'sh', '-c', 'grep CapEff /proc/self/status']);
      expect(text(caps)).toBe(`CapEff:\t${DEFAULT_CAPS}`);
    } finally {
      await run(['rm', '-f', id]);
    }
  });

  it('a start body (a HostConfig honoured by old API versions) is refused', async () => {
    const id = text(await run(['create', state.image, 'true']));
    const response = await rawRequest(tcp, 'POST', `/v1.24/containers/${id}/start`, { body: JSON.stringify({ Binds: ['/:/h'], Privileged: true }), headers: json });
    expect(response.status).toBe(403);
    expect(messageOf(response)).toContain('rule body.start');
    await run(['rm', '-f', id]);
  });

  it('an update adding a device is refused', async () => {
    const id = text(await run(['create', state.image, 'true']));
    const response = await rawRequest(tcp, 'POST', `/containers/${id}/update`, {
      body: JSON.stringify({ Devices: [{ PathOnHost: '/dev/mem', PathInContainer: '/dev/mem', CgroupPermissions: 'rwm' }] }),
      headers: json,
    });
    expect(messageOf(response)).toContain('rule devices');
    await run(['rm', '-f', id]);
  });

  it('an old-API create gets a private cgroup and IPC namespace stated explicitly', async () => {
    const response = await createRaw(JSON.stringify({ Image: state.image, Cmd: ['true'] }), '1.24');
    expect(response.status).toBe(201);
    const { Id } = JSON.parse(response.body) as { Id: string };
    const modes = text(await run(['inspect', '--format', '{{.HostConfig.CgroupnsMode}} {{.HostConfig.IpcMode}}', Id]));
    expect(modes).toBe('private private');
    await run(['rm', '-f', Id]);
  });
});

describe.each(state.clis)('a realistic workload through the proxy with %s', (cli) => {
  const run = (args: string[], input?: string) => docker(cli, state.tcpHost, args, { input });

  it('keeps the default capabilities, and drops them all with --cap-drop ALL', async () => {
    expect(text(await run(['run', '--rm', state.image, 'grep', 'CapEff', '/proc/self/status']))).toBe(`CapEff:\t${DEFAULT_CAPS}`);
    expect(text(await run(['run', '--rm', '--cap-drop', 'ALL', state.image, 'grep', 'CapEff', '/proc/self/status']))).toBe('CapEff:\t0000000000000000');
  });

  it('shares a named volume between two containers', async () => {
    const volume = unique('shared');
    expect((await run(['run', '--rm', '-v', `${volume}:/data`, state.image, 'sh', '-c', 'echo shared-data > /data/f'])).code).toBe(0);
    expect(text(await run(['run', '--rm', '-v', `${volume}:/data:ro`, state.image, 'cat', '/data/f']))).toBe('shared-data');
    await run(['volume', 'rm', volume]);
  });

  it('resolves container names on a user network', async () => {
    const network = unique('net');
    const server = unique('server');
    await run(['network', 'create', network]);
    try {
      await run(['run', '-d', '--name', server, '--network', network, state.image, 'sleep', '60']);
      const ping = await run(['run', '--rm', '--network', network, state.image, 'ping', '-c', '1', '-W', '3', server]);
      expect(ping.code).toBe(0);
      expect(text(ping)).toContain('1 packets received');
    } finally {
      await run(['rm', '-f', server]);
      await run(['network', 'rm', network]);
    }
  });

  it('applies limits, a read-only root, a non-root user, tmpfs and no-new-privileges', async () => {
    const result = await run([
      'run', '--rm', '--memory', '64m', '--pids-limit', '50', '--read-only', '--user', '1000:1000',
      '--tmpfs', '/scratch', '--security-opt', 'no-new-privileges', state.image, 'sh', '-c',
      'id -u; touch /rootfile 2>/dev/null && echo writable || echo read-only; touch /scratch/f && echo tmpfs-ok; grep NoNewPrivs /proc/self/status; cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max',
    ]);
    expect(text(result).split('\n')).toEqual(['1000', 'read-only', 'tmpfs-ok', 'NoNewPrivs:\t1', String(64 * 1024 * 1024)]);
  });
});
