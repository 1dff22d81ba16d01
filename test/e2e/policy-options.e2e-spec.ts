import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { sampleValue } from '../support/metrics-text';
import { messageOf, rawRequest } from '../support/raw-http';
import { SidecarInstance, startSidecarInstance, startupOutcome } from '../support/sidecar-instance';

// POLICY_FILE options and dry-run, against the run's real dockerd: each test
// starts a second dind-service in sidecar mode with its own policy file and
// judges by what the daemon holds afterwards. The run's main instance keeps the
// default ("restricted") policy, so every loosening is also checked to stay
// refused there.

const state = e2eState();
const cli = state.clis[state.clis.length - 1];
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
const inspect = async (host: string, name: string, format: string) => text(await docker(cli, host, ['inspect', '-f', format, name]));
// The default set (00000000a80425fb) plus NET_ADMIN, bit 12.
const DEFAULT_CAPS_PLUS_NET_ADMIN = '00000000a80435fb';

describe('a policy file loosens exactly what it names', () => {
  const hostDir = mkdtempSync(join(state.baseDir, 'cache-'));
  const outside = mkdtempSync(join(state.baseDir, 'outside-'));
  writeFileSync(join(hostDir, 'marker'), 'shared cache');
  writeFileSync(join(outside, 'secret'), 'not for containers');
  symlinkSync(outside, join(hostDir, 'escape'));
  const writableDir = mkdtempSync(join(state.baseDir, 'writable-'));
  let sidecar: SidecarInstance;

  beforeAll(async () => {
    sidecar = await startSidecarInstance(
      state,
      'options',
      [
        'name: e2e-options',
        'allowedCapabilities: [NET_ADMIN]',
        'hostBindPrefixes:',
        `  - ${hostDir}`,
        `  - path: ${writableDir}`,
        '    readOnly: false',
        'portPublishing:',
        '  enabled: true',
        '  range: [31000, 31009]',
        'namespacedSysctls: true',
      ].join('\n'),
    );
  });
  afterAll(async () => sidecar?.stop());

  const run = (args: string[]) => docker(cli, sidecar.tcpHost, ['run', '--rm', ...args]);

  it('names the policy in /metrics', async () => {
    expect(await (await fetch(`${sidecar.adminUrl}/metrics`)).text()).toMatch(/^dind_policy_info\{name="e2e-options",.*dry_run="false"\} 1$/m);
  });

  it('adds an allowed capability (read back from the container) and still refuses others', async () => {
    const added = await run(['--cap-add', 'net_admin', state.image, 'grep', 'CapEff', '/proc/self/status']);
    expect(added.stderr).toBe('');
    expect(text(added)).toBe(`CapEff:\t${DEFAULT_CAPS_PLUS_NET_ADMIN}`);
    const other = await run(['--cap-add', 'SYS_ADMIN', state.image, 'true']);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain('only these capabilities may be added: NET_ADMIN (rule capabilities)');
    const restricted = await docker(cli, state.tcpHost, ['run', '--rm', '--cap-add', 'NET_ADMIN', state.image, 'true']);
    expect(restricted.stderr).toContain('rule capabilities');
  });

  it('mounts a read-only prefix only with :ro, and the container cannot write to it', async () => {
    const writable = await run(['-v', `${hostDir}:/cache`, state.image, 'true']);
    expect(writable.stderr).toContain('may only be mounted read-only (add :ro) (rule host-mount)');
    const read = await run(['-v', `${hostDir}:/cache:ro`, state.image, 'cat', '/cache/marker']);
    expect(read.stderr).toBe('');
    expect(text(read)).toBe('shared cache');
    const write = await run(['-v', `${hostDir}:/cache:ro`, state.image, 'touch', '/cache/new']);
    expect(write.code).not.toBe(0);
    expect(write.stderr).toMatch(/Read-only file system/);
  });

  it('mounts a prefix with readOnly: false read-write: the file appears on the host', async () => {
    const write = await run(['--mount', `type=bind,src=${writableDir},dst=/out`, state.image, 'sh', '-c', 'echo from-container > /out/result']);
    expect(write.stderr).toBe('');
    expect(readFileSync(join(writableDir, 'result'), 'utf8')).toBe('from-container\n');
  });

  it.each([
    ['a path outside the prefixes', () => ['-v', `${outside}:/x`]],
    ['a symlink inside the prefix that leads out of it', () => ['-v', `${join(hostDir, 'escape')}:/x`]],
    ['a path that does not exist (the daemon would create it)', () => ['-v', `${join(hostDir, 'missing')}:/x`]],
    ['a .. segment', () => ['-v', `${hostDir}/../${outside.split('/').pop()}:/x`]],
  ])('refuses %s and nothing is created', async (_name, args) => {
    const name = unique('bind');
    const result = await docker(cli, sidecar.tcpHost, ['create', '--name', name, ...args(), state.image, 'cat', '/x/secret']);
    expect(result.stderr).toContain('rule host-mount');
    expect((await docker(cli, sidecar.tcpHost, ['inspect', name])).code).not.toBe(0);
  });

  it('refuses host binds on the restricted instance', async () => {
    expect((await docker(cli, state.tcpHost, ['run', '--rm', '-v', `${hostDir}:/cache`, state.image, 'true'])).stderr).toContain('rule host-mount');
  });

  it('publishes a port inside the range (the daemon holds the binding) and refuses one outside it', async () => {
    const name = unique('port');
    expect((await docker(cli, sidecar.tcpHost, ['create', '--name', name, '-p', '127.0.0.1:31005:80', state.image, 'true'])).code).toBe(0);
    expect(await inspect(sidecar.tcpHost, name, '{{json .HostConfig.PortBindings}}')).toBe('{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"31005"}]}');
    await docker(cli, sidecar.tcpHost, ['rm', name]);
    for (const args of [['-p', '127.0.0.1:32000:80'], ['-p', '80'], ['-P', '--expose', '80']]) {
      const refused = await docker(cli, sidecar.tcpHost, ['create', ...args, state.image, 'true']);
      expect(refused.stderr).toContain('rule ports');
    }
  });

  it('sets a namespaced sysctl inside the container and refuses a host-wide one', async () => {
    const set = await run(['--sysctl', 'net.ipv4.ip_unprivileged_port_start=80', state.image, 'cat', '/proc/sys/net/ipv4/ip_unprivileged_port_start']);
    expect(text(set)).toBe('80');
    // (docker CLI 28 refuses this one itself; the raw API is what an attacker uses.)
    const hostWide = await rawRequest({ port: sidecar.apiPort }, 'POST', '/v1.41/containers/create', {
      body: JSON.stringify({ Image: state.image, HostConfig: { Sysctls: { 'kernel.panic': '1' } } }),
      headers: { 'content-type': 'application/json' },
    });
    expect(hostWide.status).toBe(403);
    expect(messageOf(hostWide)).toContain('only namespaced sysctls');
    const restricted = await docker(cli, state.tcpHost, ['run', '--rm', '--sysctl', 'net.ipv4.ip_unprivileged_port_start=80', state.image, 'true']);
    expect(restricted.stderr).toContain('sysctls are not allowed');
  });
});

describe('dry-run forwards what a rule would deny and records it', () => {
  let sidecar: SidecarInstance;
  beforeAll(async () => {
    sidecar = await startSidecarInstance(state, 'dry-run', 'name: e2e-dry-run\ndryRun: true\n');
  });
  afterAll(async () => sidecar?.stop());

  it('creates a container a rule refuses, and counts and audits the would-be denial', async () => {
    const labels = { rule: 'capabilities', route: '/containers/create', dry_run: 'true' };
    const before = sampleValue(await (await fetch(`${sidecar.adminUrl}/metrics`)).text(), 'dind_denials_total', labels);
    const name = unique('dry');
    const created = await docker(cli, sidecar.tcpHost, ['create', '--name', name, '--cap-add', 'SYS_ADMIN', state.image, 'true']);
    expect(created.code).toBe(0);
    expect(await inspect(sidecar.tcpHost, name, '{{json .HostConfig.CapAdd}}')).toMatch(/^\["(CAP_)?SYS_ADMIN"\]$/);
    await docker(cli, sidecar.tcpHost, ['rm', name]);

    const after = sampleValue(await (await fetch(`${sidecar.adminUrl}/metrics`)).text(), 'dind_denials_total', labels);
    expect(after).toBe(before + 1);
    const audit = (await (
      await fetch(`${sidecar.adminUrl}/audit?decision=dry-run-denied&rule=capabilities&limit=5`, { headers: { Authorization: `Bearer ${state.adminToken}` } })
    ).json()) as { records: Array<{ status: number; route: string }> };
    expect(audit.records[0]).toMatchObject({ route: '/containers/create', status: 201 });
    expect(sidecar.log()).toMatch(/would-deny/);
  });

  it('forwards a build whose Dockerfile a rule refuses, and audits the would-be denial', async () => {
    const dir = mkdtempSync(join(state.baseDir, 'dry-build-'));
    // Port 1: the daemon's pull fails at once (nothing listens there).
    writeFileSync(join(dir, 'Dockerfile'), 'FROM localhost:1/x\n');
    const build = await docker(cli, sidecar.tcpHost, ['build', dir], { timeoutMs: 120_000 });
    expect(build.code).not.toBe(0);
    expect(build.stderr).not.toContain('dind-service policy denied');
    const audit = (await (
      await fetch(`${sidecar.adminUrl}/audit?decision=dry-run-denied&rule=remote-address&route=/build&limit=5`, { headers: { Authorization: `Bearer ${state.adminToken}` } })
    ).json()) as { records: Array<{ route: string; messages: string[] }> };
    expect(audit.records[0]?.messages[0]).toContain('Dockerfile:1 FROM');
  });

  it.each([
    ['a duplicate key', '{"Image":"x","HostConfig":{"Privileged":false,"Privileged":true}}', 'rule body.json'],
    // A key the daemon maps to no field is dropped (never forwarded); one it would map is refused unless canonical.
    ['a non-canonical spelling of a field', '{"Image":"x","HostConfig":{"privileged":true}}', 'rule body.shape'],
  ])('still refuses %s: protocol refusals are not rules', async (_name, body, rule) => {
    const response = await rawRequest({ port: sidecar.apiPort }, 'POST', '/v1.41/containers/create', { body, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(403);
    expect(messageOf(response)).toContain(rule);
  });

  it('still refuses a denied endpoint', async () => {
    const swarm = await docker(cli, sidecar.tcpHost, ['swarm', 'init']);
    expect(swarm.stderr).toContain('rule route.denied');
    expect(text(await docker(cli, state.tcpHost, ['info', '-f', '{{.Swarm.LocalNodeState}}']))).toBe('inactive');
  });
});

describe('an invalid policy file stops start-up with a precise message', () => {
  it.each([
    ['an unknown option', 'privileged: true\n', /privileged/],
    ['a capability that is root on the host', 'allowedCapabilities: [SYS_ADMIN]\n', /allowedCapabilities.*SYS_ADMIN/],
    ['a relative bind prefix', 'hostBindPrefixes: [srv/cache]\n', /hostBindPrefixes/],
    ['an inverted port range', 'portPublishing:\n  enabled: true\n  range: [40000, 30000]\n', /range/],
  ])('%s', async (_name, yaml, message) => {
    const outcome = await startupOutcome(state, yaml);
    expect(outcome.code).not.toBe(0);
    expect(outcome.code).not.toBeNull();
    expect(outcome.ready).toBe(false);
    expect(outcome.output).toMatch(message);
  });
});
