import { DockerPolicy } from './docker-policy';
import { RESTRICTED } from './options/policy-options';
import { PolicyDecision } from './policy-request';

// The changelog walk of docs/policy.md, "API 1.42–1.45, field by field": every
// request field or query parameter those versions added, refused by name or
// forwarded as sent, and what the policy states where a missing field means
// something different on 1.45 than on 1.41.

const json = { 'content-type': 'application/json' };
const policy = new DockerPolicy({ daemonApiVersion: () => '1.45' });
const withPrefix = new DockerPolicy({
  daemonApiVersion: () => '1.45',
  policy: { ...RESTRICTED, hostBindPrefixes: [{ path: '/srv/cache', readOnly: true }] },
  resolveHostPath: (path) => path,
});
const send = (method: string, url: string, body?: unknown, on = policy): PolicyDecision =>
  on.decide({ method, url, headers: body === undefined ? {} : json, body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)) });
const verdict = (decision: PolicyDecision) => (decision.allowed ? 'allowed' : `${decision.denial.rule} ${decision.denial.field}`);
const forwardedBody = (decision: PolicyDecision) => {
  if (!decision.allowed) throw new Error(`denied: ${decision.denial.rule} ${decision.denial.field} ${decision.denial.reason}`);
  return JSON.parse(decision.body!.toString()) as Record<string, any>;
};
const mount = (m: Record<string, unknown>) => ({ Image: 'b', HostConfig: { Mounts: [m] } });

describe('API 1.42–1.45 request fields', () => {
  it.each([
    ['1.43 HostConfig.Annotations', '/v1.45/containers/create', { Image: 'b', HostConfig: { Annotations: { 'io.containerd.x': '1' } } }, 'annotations HostConfig.Annotations'],
    ['1.42 BindOptions on a volume mount', '/v1.45/containers/create', mount({ Type: 'volume', Source: 'vol', Target: '/v', BindOptions: { CreateMountpoint: true } }), 'host-mount HostConfig.Mounts[0].BindOptions'],
    ['1.42 BindOptions on a tmpfs mount', '/v1.45/containers/create', mount({ Type: 'tmpfs', Target: '/t', BindOptions: { ReadOnlyNonRecursive: true } }), 'host-mount HostConfig.Mounts[0].BindOptions'],
    ['1.42 VolumeOptions on a tmpfs mount', '/v1.45/containers/create', mount({ Type: 'tmpfs', Target: '/t', VolumeOptions: { Subpath: 'x' } }), 'host-mount HostConfig.Mounts[0].VolumeOptions'],
    ['1.42 TmpfsOptions on a volume mount', '/v1.45/containers/create', mount({ Type: 'volume', Source: 'vol', Target: '/v', TmpfsOptions: { SizeBytes: 1 } }), 'host-mount HostConfig.Mounts[0].TmpfsOptions'],
    ['1.42 a bind mount with CreateMountpoint (no host prefix)', '/v1.45/containers/create', mount({ Type: 'bind', Source: '/srv/x', Target: '/x', BindOptions: { CreateMountpoint: true } }), 'host-mount HostConfig.Mounts[0].Type'],
    ['1.45 VolumeOptions.Subpath leaving the volume', '/v1.45/containers/create', mount({ Type: 'volume', Source: 'vol', Target: '/v', VolumeOptions: { Subpath: '../../../../etc' } }), 'host-mount HostConfig.Mounts[0].VolumeOptions.Subpath'],
    ['1.45 an absolute VolumeOptions.Subpath', '/v1.45/containers/create', mount({ Type: 'volume', Source: 'vol', Target: '/v', VolumeOptions: { Subpath: '/etc' } }), 'host-mount HostConfig.Mounts[0].VolumeOptions.Subpath'],
    ['1.44 a second endpoint with DriverOpts', '/v1.45/containers/create', { Image: 'b', HostConfig: { NetworkMode: 'a' }, NetworkingConfig: { EndpointsConfig: { a: {}, b: { DriverOpts: { 'com.docker.network.endpoint.sysctls': 'x' } } } } }, 'host-namespace NetworkingConfig.EndpointsConfig.b.DriverOpts'],
    ['1.44 the host network as a second endpoint', '/v1.45/containers/create', { Image: 'b', HostConfig: { NetworkMode: 'a' }, NetworkingConfig: { EndpointsConfig: { a: {}, host: {} } } }, 'host-namespace NetworkingConfig.EndpointsConfig.host'],
    ['1.42 a Windows device in <IDType>://<ID> form', '/v1.45/containers/create', { Image: 'b', HostConfig: { Devices: [{ PathOnHost: 'vpci-location-path://PCIROOT(0)', PathInContainer: '', CgroupPermissions: '' }] } }, 'devices HostConfig.Devices'],
    ['1.44 service ContainerSpec.Privileges.Seccomp', '/v1.45/services/create', { TaskTemplate: { ContainerSpec: { Image: 'b', Privileges: { Seccomp: { Mode: 'unconfined' } } } } }, 'route.denied POST /services/create'],
    ['1.42 VolumeCreate ClusterVolumeSpec', '/v1.45/volumes/create', { Name: 'vol', ClusterVolumeSpec: { Group: 'g' } }, 'swarm ClusterVolumeSpec'],
  ])('refuses %s, by name', (_name, url, body, expected) => {
    expect(verdict(send('POST', url, body))).toBe(expected);
  });

  it.each([
    ['1.42 CreateMountpoint on a bind inside an allowed prefix', { Type: 'bind', Source: '/srv/cache/x', Target: '/x', ReadOnly: true, BindOptions: { CreateMountpoint: true } }, 'host-mount HostConfig.Mounts[0].BindOptions.CreateMountpoint'],
    ['1.44 ReadOnlyNonRecursive on a read-only bind', { Type: 'bind', Source: '/srv/cache/x', Target: '/x', ReadOnly: true, BindOptions: { ReadOnlyNonRecursive: true } }, 'host-mount HostConfig.Mounts[0].BindOptions.ReadOnlyNonRecursive'],
    ['1.44 ReadOnlyForceRecursive (stricter than the default)', { Type: 'bind', Source: '/srv/cache/x', Target: '/x', ReadOnly: true, BindOptions: { ReadOnlyForceRecursive: true } }, 'allowed'],
  ])('with a host bind prefix, %s: %s', (_name, m, expected) => {
    expect(verdict(send('POST', '/v1.45/containers/create', mount(m), withPrefix))).toBe(expected);
  });

  describe('a read-only prefix with a mount beneath the bound directory (read-only is recursive only when forced)', () => {
    const overSubmount = new DockerPolicy({
      daemonApiVersion: () => '1.45',
      policy: { ...RESTRICTED, hostBindPrefixes: [{ path: '/srv/cache', readOnly: true }] },
      resolveHostPath: (path) => path,
      hasMountsBelow: (path) => path === '/srv/cache/x',
    });
    const bind = (version: string, m: Record<string, unknown>) => verdict(send('POST', `/v${version}/containers/create`, mount({ Type: 'bind', Target: '/x', ReadOnly: true, ...m }), overSubmount));

    it.each([
      ['1.41', { Source: '/srv/cache/x' }, 'host-mount HostConfig.Mounts[0].Source'],
      ['1.45', { Source: '/srv/cache/x' }, 'host-mount HostConfig.Mounts[0].Source'],
      ['1.43', { Source: '/srv/cache/x', BindOptions: { ReadOnlyForceRecursive: true } }, 'host-mount HostConfig.Mounts[0].Source'],
      ['1.45', { Source: '/srv/cache/x', BindOptions: { ReadOnlyForceRecursive: true } }, 'allowed'],
      ['1.41', { Source: '/srv/cache/y' }, 'allowed'],
    ])('on %s, a read-only bind of %j: %s', (version, m, expected) => {
      expect(bind(version, m)).toBe(expected);
    });

    it('refuses the Binds form of it, whose read-only cannot be forced', () => {
      const decision = send('POST', '/v1.45/containers/create', { Image: 'b', HostConfig: { Binds: ['/srv/cache/x:/x:ro'] } }, overSubmount);
      expect(verdict(decision)).toBe('host-mount HostConfig.Binds[0]');
      expect(decision.allowed ? '' : decision.denial.reason).toMatch(/mounts beneath it/);
    });
  });

  it.each([
    ['1.42 HostConfig.ConsoleSize', { Image: 'b', Tty: true, HostConfig: { ConsoleSize: [30, 100] } }, (b: any) => b.HostConfig.ConsoleSize, [30, 100]],
    ['1.44 Healthcheck.StartInterval', { Image: 'b', Healthcheck: { Test: ['CMD', 'true'], StartPeriod: 5e9, StartInterval: 1e9 } }, (b: any) => b.Healthcheck.StartInterval, 1e9],
    ['1.44 two endpoints', { Image: 'b', HostConfig: { NetworkMode: 'a' }, NetworkingConfig: { EndpointsConfig: { a: {}, b: {} } } }, (b: any) => Object.keys(b.NetworkingConfig.EndpointsConfig), ['a', 'b']],
    ['1.44 an endpoint MacAddress', { Image: 'b', HostConfig: { NetworkMode: 'a' }, NetworkingConfig: { EndpointsConfig: { a: { MacAddress: '02:42:ac:11:00:99' } } } }, (b: any) => b.NetworkingConfig.EndpointsConfig.a.MacAddress, '02:42:ac:11:00:99'],
    ['1.44 endpoint DNSNames (the daemon recomputes them)', { Image: 'b', HostConfig: { NetworkMode: 'a' }, NetworkingConfig: { EndpointsConfig: { a: { DNSNames: ['x'] } } } }, (b: any) => b.NetworkingConfig.EndpointsConfig.a.DNSNames, ['x']],
    ['1.45 VolumeOptions.Subpath inside the volume', mount({ Type: 'volume', Source: 'vol', Target: '/v', VolumeOptions: { Subpath: 'a/b' } }), (b: any) => b.HostConfig.Mounts[0].VolumeOptions.Subpath, 'a/b'],
  ])('forwards %s as sent', (_name, body, read, expected) => {
    expect(read(forwardedBody(send('POST', '/v1.45/containers/create', body)))).toEqual(expected);
  });

  it.each([
    ['1.42 exec ConsoleSize', 'POST', '/v1.45/containers/c/exec', { Cmd: ['sh'], Tty: true, ConsoleSize: [30, 100] }],
    ['1.42 exec start ConsoleSize', 'POST', '/v1.45/exec/e/start', { Detach: false, Tty: true, ConsoleSize: [30, 100] }],
    ['1.44 network connect MacAddress and DNSNames', 'POST', '/v1.45/networks/n/connect', { Container: 'c', EndpointConfig: { MacAddress: '02:42:ac:11:00:99', DNSNames: ['x'] } }],
    ['1.44 commit Healthcheck.StartInterval', 'POST', '/v1.45/commit?container=c', { Healthcheck: { Test: ['CMD', 'true'], StartInterval: 1e9 } }],
  ])('allows %s', (_name, method, url, body) => {
    expect(verdict(send(method, url, body))).toBe('allowed');
  });

  it.each([
    ['1.42 stop signal', '/v1.45/containers/c/stop?signal=SIGKILL', '/v1.45/containers/c/stop?signal=SIGKILL'],
    ['1.42 restart signal', '/v1.45/containers/c/restart?signal=SIGTERM&t=1', '/v1.45/containers/c/restart?signal=SIGTERM&t=1'],
    ['1.42 system df types', '/v1.45/system/df?type=volume&type=image', '/v1.45/system/df?type=volume&type=image'],
    ['1.42 image list shared-size', '/v1.45/images/json?shared-size=1', '/v1.45/images/json?shared-size=1'],
    ['1.42 websocket attach streams', '/v1.45/containers/c/attach/ws?stdin=0&stdout=1&stderr=1', '/v1.45/containers/c/attach/ws?stdin=0&stdout=1&stderr=1'],
    ['1.42 image import platform', '/v1.45/images/create?fromSrc=-&repo=x&platform=linux%2Farm64', '/v1.45/images/create?fromSrc=-&repo=x&platform=linux%2Farm64'],
    ['1.42 volume prune all', '/v1.45/volumes/prune?filters=%7B%22all%22%3A%5B%22true%22%5D%7D', '/v1.45/volumes/prune?filters=%7B%22all%22%3A%5B%22true%22%5D%7D'],
  ])('forwards the %s query parameter', (_name, url, upstream) => {
    const method = url.includes('/json') || url.includes('/df') || url.includes('/ws') ? 'GET' : 'POST';
    const headers = url.includes('images/create') ? { 'content-type': 'application/x-tar' } : {};
    expect(policy.decide({ method, url, headers })).toMatchObject({ allowed: true, upstreamUrl: upstream });
  });

  it('refuses PUT /volumes/{name} (1.42, cluster volume update) by route', () => {
    expect(verdict(send('PUT', '/v1.45/volumes/v?version=1', { Spec: {} }))).toMatch(/^route.denied/);
  });
});

describe('what a missing field means on 1.45 versus 1.41: the policy states the same safe values on both', () => {
  it.each(['1.41', '1.44', '1.45'])('a bare create on %s is forwarded with a private cgroup namespace, the pids limit and bounded json-file logs', (version) => {
    const hostConfig = forwardedBody(send('POST', `/v${version}/containers/create`, { Image: 'b' })).HostConfig;
    expect(hostConfig).toMatchObject({ CgroupnsMode: 'private', PidsLimit: RESTRICTED.resources.pids.default, LogConfig: { Type: 'json-file' } });
  });

  it.each(['1.41', '1.45'])('a container-wide MacAddress (migrated to the endpoint from 1.44) is forwarded as sent on %s', (version) => {
    const body = forwardedBody(send('POST', `/v${version}/containers/create`, { Image: 'b', MacAddress: '02:42:ac:11:00:99' }));
    expect(body.MacAddress).toBe('02:42:ac:11:00:99');
  });
});
