import { DockerPolicy } from '../docker-policy';
import { PolicyDecision } from '../policy-request';
import { parsePolicyOptions, RESTRICTED } from './policy-options';

const json = { 'content-type': 'application/json' };
const withOptions = (raw: Record<string, unknown>, paths: Record<string, string> = {}) =>
  new DockerPolicy({
    daemonApiVersion: () => '1.41',
    policy: parsePolicyOptions(raw, 'test'),
    resolveHostPath: (path) => (path in paths ? paths[path] : path.startsWith('/missing') ? undefined : path),
  });
const create = (policy: DockerPolicy, hostConfig: Record<string, unknown>, version = '1.41'): PolicyDecision =>
  policy.decide({ method: 'POST', url: `/v${version}/containers/create`, headers: json, body: Buffer.from(JSON.stringify({ Image: 'b', HostConfig: hostConfig })) });
const verdict = (decision: PolicyDecision) => (decision.allowed ? (decision.wouldDeny ? `would deny ${decision.wouldDeny.rule}` : 'allowed') : `${decision.denial.rule}: ${decision.denial.reason}`);

describe('policy options', () => {
  it('defaults to restricted', () => {
    expect(parsePolicyOptions({}, 'test')).toEqual(RESTRICTED);
  });

  it('has ownership off by default, on when the file says so', () => {
    expect(RESTRICTED.ownership).toBe(false);
    expect(parsePolicyOptions({ ownership: true }, 'test').ownership).toBe(true);
  });

  it('turns BuildKit off by default with ownership on (the proxy cannot read what a BuildKit build reads or labels), on when the file says so', () => {
    expect(parsePolicyOptions({}, 'test').buildkitSessions).toBe(true);
    expect(parsePolicyOptions({ ownership: false }, 'test').buildkitSessions).toBe(true);
    expect(parsePolicyOptions({ ownership: true }, 'test').buildkitSessions).toBe(false);
    expect(parsePolicyOptions({ ownership: true, buildkitSessions: true }, 'test').buildkitSessions).toBe(true);
    expect(parsePolicyOptions({ ownership: true, buildkitSessions: false }, 'test').buildkitSessions).toBe(false);
  });

  it.each([
    [{ allowedCapabilities: ['SYS_ADMIN'] }, /SYS_ADMIN amounts to root/],
    [{ allowedCapabilities: ['all'] }, /ALL amounts to root/],
    [{ hostBindPrefixes: ['/'] }, /absolute, normalised path other than \//],
    [{ hostBindPrefixes: [{ path: '/srv/../etc' }] }, /normalised/],
    [{ portPublishing: { enabled: true, range: [9000, 8000] } }, /first <= last/],
    [{ dryrun: true }, /dryrun: unknown option/],
    [{ hostNetwork: 'yes' }, /hostNetwork: must be true or false/],
    [{ ownership: 'on' }, /ownership: must be true or false/],
  ])('refuses %j with a precise message', (raw, message) => {
    expect(() => parsePolicyOptions(raw, 'policy.yaml')).toThrow(message);
  });

  describe.each(['1.24', '1.52'])('at API %s', (version) => {
    it('allows only the listed capabilities, however they are spelled', () => {
      const policy = withOptions({ allowedCapabilities: ['NET_ADMIN', 'cap_net_raw'] });
      expect(verdict(create(policy, { CapAdd: ['net_admin', 'CAP_NET_RAW'] }, version))).toBe('allowed');
      expect(verdict(create(policy, { CapAdd: ['SYS_ADMIN'] }, version))).toMatch(/^capabilities: only these capabilities may be added: NET_ADMIN, NET_RAW/);
      expect(verdict(create(policy, { CapAdd: ['ALL'] }, version))).toMatch(/^capabilities/);
    });

    it('allows host binds only inside a listed prefix, read-only where it says so, symlinks resolved', () => {
      const policy = withOptions({ hostBindPrefixes: [{ path: '/srv/cache', readOnly: false }, '/srv/ro'] }, { '/srv/cache/escape': '/etc' });
      expect(verdict(create(policy, { Binds: ['/srv/cache/npm:/root/.npm'] }, version))).toBe('allowed');
      expect(verdict(create(policy, { Binds: ['/srv/ro/data:/data:ro'] }, version))).toBe('allowed');
      expect(verdict(create(policy, { Binds: ['/srv/ro/data:/data'] }, version))).toMatch(/read-only/);
      expect(verdict(create(policy, { Binds: ['/srv/cache/escape:/e'] }, version))).toMatch(/may only be mounted from/);
      expect(verdict(create(policy, { Binds: ['/srv/cache/../../etc:/e'] }, version))).toMatch(/normalised/);
      expect(verdict(create(policy, { Binds: ['/srv/cachex:/e'] }, version))).toMatch(/may only be mounted from/);
      expect(verdict(create(policy, { Binds: ['/missing/x:/e'] }, version))).toMatch(/does not exist/);
      expect(verdict(create(policy, { Binds: ['/srv/cache/x:/e:rshared'] }, version))).toMatch(/bind option "rshared"/);
      expect(verdict(create(policy, { Mounts: [{ Type: 'bind', Source: '/srv/ro/d', Target: '/d', ReadOnly: true }] }, version))).toBe('allowed');
      expect(verdict(create(policy, { Mounts: [{ Type: 'bind', Source: '/srv/ro/d', Target: '/d' }] }, version))).toMatch(/read-only/);
      expect(verdict(create(policy, { Mounts: [{ Type: 'bind', Source: '/srv/cache/d', Target: '/d', BindOptions: { Propagation: 'rshared' } }] }, version))).toMatch(/propagation/);
    });

    it('publishes ports only when enabled, and only inside the range', () => {
      const ranged = withOptions({ portPublishing: { enabled: true, range: [30000, 30010] } });
      expect(verdict(create(ranged, { PortBindings: { '80/tcp': [{ HostPort: '30001' }] } }, version))).toBe('allowed');
      expect(verdict(create(ranged, { PortBindings: { '80/tcp': [{ HostPort: '8080' }] } }, version))).toMatch(/within 30000-30010/);
      expect(verdict(create(ranged, { PortBindings: { '80/tcp': [{ HostPort: '' }] } }, version))).toMatch(/within/);
      expect(verdict(create(ranged, { PublishAllPorts: true }, version))).toMatch(/random host ports/);
      expect(verdict(create(withOptions({ portPublishing: { enabled: true } }), { PublishAllPorts: true }, version))).toBe('allowed');
    });

    it('allows namespaced sysctls only when enabled', () => {
      const policy = withOptions({ namespacedSysctls: true });
      expect(verdict(create(policy, { Sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0', 'kernel.shmmax': '1' } }, version))).toBe('allowed');
      expect(verdict(create(policy, { Sysctls: { 'kernel.panic': '1' } }, version))).toMatch(/only namespaced sysctls/);
      expect(verdict(create(withOptions({ namespacedSysctls: true, hostNetwork: true }), { NetworkMode: 'host', Sysctls: { 'net.ipv4.ip_forward': '1' } }, version))).toMatch(/host network/);
    });

    it('allows the host network only when enabled', () => {
      expect(verdict(create(withOptions({ hostNetwork: true }), { NetworkMode: 'host' }, version))).toBe('allowed');
      expect(verdict(create(withOptions({ hostNetwork: true }), { PidMode: 'host' }, version))).toMatch(/^host-namespace/);
    });
  });

  it('allows remote build contexts only when enabled, and never from the neighbourhood', () => {
    const build = (policy: DockerPolicy, remote: string) => verdict(policy.decide({ method: 'POST', url: `/build?remote=${encodeURIComponent(remote)}`, headers: {} }));
    expect(build(withOptions({}), 'https://git.example.com/repo.git')).toMatch(/^remote-context/);
    expect(build(withOptions({ remoteBuildContexts: true }), 'https://git.example.com/repo.git')).toBe('allowed');
    expect(build(withOptions({ remoteBuildContexts: true }), 'http://169.254.169.254/')).toMatch(/^remote-address/);
  });

  describe('dry-run', () => {
    const dry = withOptions({ dryRun: true });

    it('forwards what a rule would deny, with the canonical body, and records the denial', () => {
      const decision = create(dry, { Privileged: true });
      expect(verdict(decision)).toBe('would deny privileged');
      expect(decision.allowed && JSON.parse(decision.body!.toString()).HostConfig.Privileged).toBe(true);
    });

    it.each([
      ['a duplicate key', '{"Image":"b","HostConfig":{"Privileged":false,"privileged":true}}'],
      ['an unknown field', '{"Image":"b","HostConfig":{"privileged":true}}'],
    ])('still refuses %s: an ambiguous body is never forwarded', (_name, body) => {
      const decision = dry.decide({ method: 'POST', url: '/containers/create', headers: json, body: Buffer.from(body) });
      expect(decision.allowed).toBe(false);
    });

    it('still refuses denied routes', () => {
      expect(dry.decide({ method: 'POST', url: '/swarm/init', headers: {} }).allowed).toBe(false);
    });
  });
});
