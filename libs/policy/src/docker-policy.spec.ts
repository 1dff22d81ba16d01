import { DockerPolicy } from './docker-policy';
import { RESTRICTED } from './options/policy-options';
import { PolicyDecision } from './policy-request';

const policy = new DockerPolicy({ daemonApiVersion: () => '1.41' });
const json = { 'content-type': 'application/json' };
const create = (body: unknown, version = '1.41', headers: Record<string, string> = json): PolicyDecision =>
  policy.decide({ method: 'POST', url: `/v${version}/containers/create`, headers, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) });
const forwarded = (decision: PolicyDecision) => {
  if (!decision.allowed) throw new Error(`denied: ${decision.denial.rule} ${decision.denial.field} ${decision.denial.reason}`);
  return decision.body ? (JSON.parse(decision.body.toString()) as Record<string, any>) : undefined;
};
const ruleOf = (decision: PolicyDecision) => (decision.allowed ? 'allowed' : `${decision.denial.rule} ${decision.denial.field}`);

describe('DockerPolicy.decide', () => {
  describe('routing and versions', () => {
    it('forwards an unversioned request at the daemon version', () => {
      const decision = policy.decide({ method: 'GET', url: '/containers/json?all=1', headers: {} });
      expect(decision).toMatchObject({ allowed: true, upstreamUrl: '/v1.41/containers/json?all=1' });
    });

    it('clamps the negotiated version to the audited maximum for a newer daemon', () => {
      const newer = new DockerPolicy({ daemonApiVersion: () => '1.99' });
      expect(newer.decide({ method: 'GET', url: '/info', headers: {} })).toMatchObject({ allowed: true, upstreamUrl: '/v1.52/info' });
    });

    it.each([
      ['GET', '/v1.23/info', 'api-version.unaudited'],
      ['GET', '/v1.53/info', 'api-version.unaudited'],
      ['POST', '/swarm/init', 'route.denied'],
      ['DELETE', '/plugins/x', 'route.denied'],
      ['GET', '/containers/json?limit=1&limit=2', 'query.duplicate'],
      ['PATCH', '/containers/json', 'route.unknown'],
    ])('%s %s is refused by %s', (method, url, rule) => {
      const decision = policy.decide({ method, url, headers: {} });
      expect(decision.allowed ? 'allowed' : decision.denial.rule).toBe(rule);
    });

    it('drops query parameters the daemon does not read (dockerode repeats the body in the query)', () => {
      const decision = policy.decide({ method: 'GET', url: '/containers/json?trunc_cmd=0&Limit=1&all=1', headers: {} });
      expect(decision).toMatchObject({ allowed: true, upstreamUrl: '/v1.41/containers/json?all=1' });
    });

    it('re-encodes the query it checked', () => {
      const decision = policy.decide({ method: 'GET', url: '/images/get?names=a%3Ab&names=c', headers: {} });
      expect(decision).toMatchObject({ allowed: true, upstreamUrl: '/v1.41/images/get?names=a%3Ab&names=c' });
    });
  });

  describe('container create', () => {
    it('forwards the canonical body, never the client bytes', () => {
      const raw = '{ "Image" : "busybox",\n "Cmd": ["true"] }';
      const body = forwarded(create(raw));
      expect(body).toMatchObject({ Image: 'busybox', Cmd: ['true'] });
    });

    it('states a private cgroup namespace explicitly (the cgroup v1 default is the host\'s)', () => {
      expect(forwarded(create({ Image: 'busybox' }))!.HostConfig.CgroupnsMode).toBe('private');
    });

    it('states a private IPC namespace below API 1.40 (where empty meant shareable)', () => {
      expect(forwarded(create({ Image: 'busybox' }, '1.39'))!.HostConfig.IpcMode).toBe('private');
      expect(forwarded(create({ Image: 'busybox' }, '1.41'))!.HostConfig.IpcMode).toBeUndefined();
    });

    it.each([
      ['duplicate key, same spelling', '{"Image":"b","HostConfig":{"Privileged":false,"Privileged":true}}', 'body.json'],
      ['duplicate key, other case', '{"Image":"b","HostConfig":{"Privileged":false,"privileged":true}}', 'body.json'],
      ['non-canonical spelling', '{"Image":"b","HostConfig":{"privileged":true}}', 'body.shape'],
      ['long-s duplicate', '{"Image":"b","HostConfig":{"UsernsMode":"","Usern\u017fMode":"host"}}', 'body.json'],
      ['long-s spelling alone', '{"Image":"b","HostConfig":{"Usern\u017fMode":"host"}}', 'body.shape'],
      ['Kelvin-sign spelling', '{"Image":"b","HostConfig":{"\u212aernelMemory":1}}', 'body.shape'],
      ['privileged', { Image: 'b', HostConfig: { Privileged: true } }, 'privileged'],
      ['cap add', { Image: 'b', HostConfig: { CapAdd: ['SYS_ADMIN'] } }, 'capabilities'],
      ['capabilities (API 1.40 only: replaces the whole set)', { Image: 'b', HostConfig: { Capabilities: ['CAP_SYS_ADMIN'] } }, 'capabilities'],
      ['host bind', { Image: 'b', HostConfig: { Binds: ['/:/host'] } }, 'host-mount'],
      ['relative bind', { Image: 'b', HostConfig: { Binds: ['./x:/host'] } }, 'host-mount'],
      ['bind mount', { Image: 'b', HostConfig: { Mounts: [{ Type: 'bind', Source: '/', Target: '/h' }] } }, 'host-mount'],
      ['volume with bind options', { Image: 'b', HostConfig: { Mounts: [{ Type: 'volume', Source: 'v', Target: '/h', VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/' } } } }] } }, 'host-mount'],
      ['device', { Image: 'b', HostConfig: { Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rwm' }] } }, 'devices'],
      ['host network', { Image: 'b', HostConfig: { NetworkMode: 'host' } }, 'host-namespace'],
      ['host pid', { Image: 'b', HostConfig: { PidMode: 'host' } }, 'host-namespace'],
      ['host ipc', { Image: 'b', HostConfig: { IpcMode: 'host' } }, 'host-namespace'],
      ['host uts', { Image: 'b', HostConfig: { UTSMode: 'host' } }, 'host-namespace'],
      ['host userns', { Image: 'b', HostConfig: { UsernsMode: 'host' } }, 'host-namespace'],
      ['host cgroupns', { Image: 'b', HostConfig: { CgroupnsMode: 'host' } }, 'host-namespace'],
      ['seccomp unconfined', { Image: 'b', HostConfig: { SecurityOpt: ['seccomp=unconfined'] } }, 'confinement'],
      ['legacy seccomp:unconfined', { Image: 'b', HostConfig: { SecurityOpt: ['seccomp:unconfined'] } }, 'confinement'],
      ['apparmor unconfined', { Image: 'b', HostConfig: { SecurityOpt: ['apparmor=unconfined'] } }, 'confinement'],
      ['label disable', { Image: 'b', HostConfig: { SecurityOpt: ['label=disable'] } }, 'confinement'],
      ['bare disable', { Image: 'b', HostConfig: { SecurityOpt: ['disable'] } }, 'confinement'],
      ['systempaths unconfined', { Image: 'b', HostConfig: { SecurityOpt: ['systempaths=unconfined'] } }, 'confinement'],
      ['masked paths emptied', { Image: 'b', HostConfig: { MaskedPaths: [] } }, 'confinement'],
      ['sysctls', { Image: 'b', HostConfig: { Sysctls: { 'net.ipv4.ip_forward': '1' } } }, 'sysctls'],
      ['cgroup parent', { Image: 'b', HostConfig: { CgroupParent: '/' } }, 'cgroup'],
      ['runtime', { Image: 'b', HostConfig: { Runtime: 'kata' } }, 'runtime'],
      ['negative oom score', { Image: 'b', HostConfig: { OomScoreAdj: -1000 } }, 'oom-score'],
      ['port binding', { Image: 'b', HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } } }, 'ports'],
      ['publish all', { Image: 'b', HostConfig: { PublishAllPorts: true } }, 'ports'],
      ['syslog driver', { Image: 'b', HostConfig: { LogConfig: { Type: 'syslog', Config: { 'syslog-address': 'tcp://127.0.0.1:1' } } } }, 'log-driver'],
      ['volume driver', { Image: 'b', HostConfig: { VolumeDriver: 'foo' } }, 'host-mount'],
      ['annotations', { Image: 'b', HostConfig: { Annotations: { 'io.kubernetes.cri.x': '1' } } }, 'annotations'],
      ['realtime', { Image: 'b', HostConfig: { CpuRealtimeRuntime: 1000 } }, 'realtime'],
      ['a realtime priority ulimit', { Image: 'b', HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 1, Hard: 2 }, { Name: 'rtprio', Soft: 0, Hard: 99 }] } }, 'ulimits'],
      ['OOM killer disabled', { Image: 'b', HostConfig: { OomKillDisable: true } }, 'oom-kill'],
      ['host endpoint', { Image: 'b', NetworkingConfig: { EndpointsConfig: { host: {} } } }, 'host-namespace'],
    ])('refuses %s', (_name, body, rule) => {
      const decision = create(body);
      expect(decision.allowed).toBe(false);
      expect(ruleOf(decision).split(' ')[0]).toBe(rule);
    });

    it.each([
      ['named volume', { Image: 'b', HostConfig: { Binds: ['data:/data', 'cache:/cache:ro'] } }],
      ['volume and tmpfs mounts', { Image: 'b', HostConfig: { Mounts: [{ Type: 'volume', Source: 'vol', Target: '/v' }, { Type: 'tmpfs', Target: '/t' }] } }],
      ['dropped capabilities', { Image: 'b', HostConfig: { CapDrop: ['ALL'] } }],
      ['ulimits, with rtprio 0', { Image: 'b', HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }, { Name: 'rtprio', Soft: 0, Hard: 0 }] } }],
      ['no-new-privileges', { Image: 'b', HostConfig: { SecurityOpt: ['no-new-privileges', 'no-new-privileges:true', 'no-new-privileges=1'] } }],
      ['resources', { Image: 'b', HostConfig: { Memory: 67108864, NanoCpus: 500000000, PidsLimit: 100 } }],
      ['user network', { Image: 'b', HostConfig: { NetworkMode: 'mynet' }, NetworkingConfig: { EndpointsConfig: { mynet: { Aliases: ['x'] } } } }],
      ['read-only rootfs, user, init', { Image: 'b', User: '1000:1000', HostConfig: { ReadonlyRootfs: true, Init: true } }],
      ['json-file logs with options', { Image: 'b', HostConfig: { LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } } } }],
      ['expose without publishing', { Image: 'b', ExposedPorts: { '80/tcp': {} }, HostConfig: { PortBindings: {} } }],
    ])('allows %s', (_name, body) => {
      expect(ruleOf(create(body))).toBe('allowed');
    });

    it('refuses a body that is not JSON, or is compressed', () => {
      expect(ruleOf(create({ Image: 'b' }, '1.41', { 'content-type': 'text/plain' }))).toMatch(/^body.content-type/);
      expect(ruleOf(create({ Image: 'b' }, '1.41', { ...json, 'content-encoding': 'gzip' }))).toMatch(/^body.encoding/);
    });
  });

  describe('the host network named by its ID', () => {
    const hostId = '1eed950384a1d537567c86f428f41095ac9a46f2714a1b5f1448d0e61fd5a07e';
    const withIds = new DockerPolicy({ daemonApiVersion: () => '1.41', hostNetworkIds: () => [hostId] });
    const send = (url: string, body?: unknown) =>
      withIds.decide({ method: 'POST', url, headers: body === undefined ? {} : json, body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)) });

    it.each([
      ['NetworkMode by full ID', '/containers/create', { Image: 'b', HostConfig: { NetworkMode: hostId } }],
      ['NetworkMode by ID prefix', '/containers/create', { Image: 'b', HostConfig: { NetworkMode: hostId.slice(0, 12) } }],
      ['an endpoint keyed by ID prefix', '/containers/create', { Image: 'b', NetworkingConfig: { EndpointsConfig: { [hostId.slice(0, 5)]: {} } } }],
      ['connect by ID', `/networks/${hostId.slice(0, 12)}/connect`, { Container: 'c' }],
      ['a build on the host network by ID', `/build?networkmode=${hostId.slice(0, 12)}`, undefined],
    ])('refuses %s', (_name, url, body) => {
      expect(ruleOf(send(url, body)).split(' ')[0]).toBe('host-namespace');
    });

    it('still allows a user network whose name is not a prefix of the host network ID', () => {
      expect(ruleOf(send('/containers/create', { Image: 'b', HostConfig: { NetworkMode: 'mynet' } }))).toBe('allowed');
    });
  });

  describe('references the transport resolves on the daemon before forwarding', () => {
    const send = (url: string, body: unknown) => policy.decide({ method: 'POST', url, headers: json, body: Buffer.from(JSON.stringify(body)) });

    it.each(['/v1.24', '/v1.41', ''])('a create at %s names its volumes and networks (the daemon attaches by NetworkID)', (version) => {
      const decision = send(`${version}/containers/create`, {
        Image: 'b',
        HostConfig: { Binds: ['data:/data'], Mounts: [{ Type: 'volume', Source: 'cache', Target: '/cache' }], NetworkMode: 'app' },
        NetworkingConfig: { EndpointsConfig: { app: { NetworkID: 'f00d' } } },
      });
      expect(decision).toMatchObject({
        allowed: true,
        volumeReferences: [{ name: 'data', field: 'HostConfig.Binds[0]' }, { name: 'cache', field: 'HostConfig.Mounts[0].Source' }],
        networkReferences: [{ ref: 'app' }, { ref: 'app' }, { ref: 'f00d', field: 'NetworkingConfig.EndpointsConfig.app.NetworkID' }],
      });
    });

    it.each(['/v1.24', '/v1.41', ''])('a connect at %s names the path network and the endpoint NetworkID', (version) => {
      expect(send(`${version}/networks/f0/connect`, { Container: 'c', EndpointConfig: { NetworkID: 'f00d' } })).toMatchObject({
        allowed: true,
        networkReferences: [{ ref: 'f0', field: 'path.id' }, { ref: 'f00d', field: 'EndpointConfig.NetworkID' }],
      });
    });
  });

  describe('other doors', () => {
    const post = (url: string, body?: unknown) =>
      policy.decide({ method: 'POST', url, headers: body === undefined ? {} : json, body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)) });

    it.each([
      ['privileged exec', '/containers/c/exec', { Cmd: ['sh'], Privileged: true }, 'privileged'],
      ['start with a HostConfig body', '/containers/c/start', { Binds: ['/:/h'] }, 'body.start'],
      ['update adding a device', '/containers/c/update', { Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rwm' }] }, 'devices'],
      ['bind-backed volume', '/volumes/create', { Name: 'vol', Driver: 'local', DriverOpts: { type: 'none', o: 'bind', device: '/' } }, 'volume-driver'],
      ['nfs volume', '/volumes/create', { Name: 'vol', DriverOpts: { type: 'nfs', o: 'addr=127.0.0.1', device: ':/' } }, 'volume-driver'],
      ['macvlan network', '/networks/create', { Name: 'm', Driver: 'macvlan', Options: { parent: 'eth0' } }, 'network-driver'],
      ['bridge on a host bridge', '/networks/create', { Name: 'm', Options: { 'com.docker.network.bridge.name': 'docker0' } }, 'network-driver'],
      ['connect to host', '/networks/host/connect', { Container: 'c' }, 'host-namespace'],
      ['build on the host network', '/build?networkmode=host', undefined, 'host-namespace'],
      ['build with a cgroup parent', '/build?cgroupparent=/', undefined, 'cgroup'],
      ['remote build context', '/build?remote=http://169.254.169.254/', undefined, 'remote-context'],
      ['import from metadata', '/images/create?fromSrc=http://169.254.169.254/latest', undefined, 'remote-address'],
      ['import from loopback', '/images/create?fromSrc=http://127.0.0.1:8080/x.tar', undefined, 'remote-address'],
      ['pull from loopback registry', '/images/create?fromImage=127.0.0.1:5000/x', undefined, 'remote-address'],
      ['pull from localhost registry', '/images/create?fromImage=localhost:5000/x', undefined, 'remote-address'],
      ['push to a link-local registry', '/images/169.254.169.254/x/push', undefined, 'remote-address'],
      ['login to loopback', '/auth', { username: 'u', password: 'p', serveraddress: 'http://[::1]:5000' }, 'remote-address'],
    ])('refuses %s', (_name, url, body, rule) => {
      expect(ruleOf(post(url, body)).split(' ')[0]).toBe(rule);
    });

    it.each([
      ['exec as root', '/containers/c/exec', { Cmd: ['id'], User: '0' }],
      ['start without a body', '/containers/c/start', undefined],
      ['start with an empty object', '/containers/c/start', {}],
      ['tmpfs volume', '/volumes/create', { Name: 'vol', DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=100m,uid=1000' } }],
      ['bridge network', '/networks/create', { Name: 'n', Driver: 'bridge', Options: { 'com.docker.network.driver.mtu': '1400' } }],
      ['classic build', '/build?t=a&t=b&networkmode=default&rm=1', undefined],
      ['pull from a registry', '/images/create?fromImage=registry.example.com/team/app&tag=1', undefined],
      ['import from the body', '/images/create?fromSrc=-&repo=x', undefined],
      ['import with several changes', '/images/create?fromSrc=-&changes=ENV+A%3D1&changes=CMD+%5B%22sh%22%5D', undefined],
      ['commit with several changes', '/commit?container=c&changes=ENV+A%3D1&changes=USER+1000', undefined],
    ])('allows %s', (_name, url, body) => {
      expect(ruleOf(post(url, body))).toBe('allowed');
    });
  });
});

describe('hosts the daemon will dial', () => {
  const decideGet = (method: string, url: string, body?: unknown) =>
    policy.decide({ method, url, headers: body === undefined ? {} : json, body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)) });

  it.each([
    ['a pull from a named registry', 'POST', '/v1.41/images/create?fromImage=registry.example.com:5000/team/app&tag=1', undefined, [['query.fromImage', 'registry.example.com:5000']]],
    ['an import from a URL', 'POST', '/v1.41/images/create?fromSrc=http://files.example.com/rootfs.tar&repo=app', undefined, [['query.fromSrc', 'files.example.com']]],
    ['a push', 'POST', '/v1.41/images/registry.example.com/app/push?tag=1', undefined, [['path.name', 'registry.example.com']]],
    ['a login', 'POST', '/v1.41/auth', { username: 'u', password: 'p', serveraddress: 'https://registry.example.com/v1/' }, [['serveraddress', 'registry.example.com']]],
    ['a pull from Docker Hub (the default registry, not named)', 'POST', '/v1.41/images/create?fromImage=busybox&tag=latest', undefined, []],
  ])('are named for %s', (_name, method, url, body, expected) => {
    const decision = decideGet(method, url, body);
    expect(decision.allowed).toBe(true);
    expect(((decision.allowed && decision.dialTargets) || []).map((t) => [t.field, t.host])).toEqual(expected);
  });
});

describe('BuildKit (option buildkitSessions, on in restricted)', () => {
  const withBuildkit = policy;
  const withoutBuildkit = new DockerPolicy({ daemonApiVersion: () => '1.41', policy: { ...RESTRICTED, buildkitSessions: false } });
  const ask = (p: DockerPolicy, method: string, url: string) => p.decide({ method, url, headers: {} });

  it.each([
    ['POST', '/v1.41/session'],
    ['POST', '/v1.52/grpc'],
    ['POST', '/v1.41/build?version=2&remote=client-session&session=abc&buildid=b1&t=app'],
  ])('refuses %s %s when off, naming the option', (method, url) => {
    const decision = ask(withoutBuildkit, method, url);
    expect(decision).toMatchObject({ allowed: false, denial: { rule: 'buildkit' } });
    expect(!decision.allowed && decision.denial.reason).toContain('option buildkitSessions');
  });

  it.each([
    ['POST', '/v1.41/session'],
    ['POST', '/v1.52/grpc'],
    ['POST', '/v1.41/build?version=2&remote=client-session&session=abc&buildid=b1&t=app'],
  ])('allows %s %s when on (the default)', (method, url) => {
    expect(ask(withBuildkit, method, url).allowed).toBe(true);
  });

  it('keeps the other build rules with BuildKit: host network, step settings, remote URLs, unknown builder versions', () => {
    expect(ask(withBuildkit, 'POST', '/v1.41/build?version=2&remote=client-session&networkmode=host')).toMatchObject({ allowed: false, denial: { rule: 'host-namespace' } });
    expect(ask(withBuildkit, 'POST', '/v1.41/build?version=2&remote=client-session&cgroupparent=/')).toMatchObject({ allowed: false });
    expect(ask(withBuildkit, 'POST', '/v1.41/build?version=2&remote=client-session&securityopt=seccomp%3Dunconfined')).toMatchObject({ allowed: false });
    expect(ask(withBuildkit, 'POST', '/v1.41/build?version=2&remote=https://example.com/ctx.git')).toMatchObject({ allowed: false, denial: { rule: 'remote-context' } });
    expect(ask(withBuildkit, 'POST', '/v1.41/build?version=3')).toMatchObject({ allowed: false, denial: { rule: 'buildkit' } });
    expect(ask(policy, 'POST', '/v1.41/build?version=1&remote=client-session')).toMatchObject({ allowed: false, denial: { rule: 'remote-context' } });
  });
});

describe('a classic build whose context is the body: the decision says how its Dockerfile is read', () => {
  const policy = new DockerPolicy({ daemonApiVersion: () => '1.41' });
  const ask = (p: DockerPolicy, method: string, url: string) => p.decide({ method, url, headers: {} });

  it('names the Dockerfile and decodes the build args', () => {
    const url = `/v1.41/build?dockerfile=ci%2FDockerfile&buildargs=${encodeURIComponent('{"BASE":"x","EMPTY":null}')}`;
    expect(ask(policy, 'POST', url)).toMatchObject({ allowed: true, buildContext: { dockerfile: 'ci/Dockerfile', buildArgs: { BASE: 'x', EMPTY: null } } });
    expect(ask(policy, 'POST', '/v1.41/build')).toMatchObject({ allowed: true, buildContext: { dockerfile: undefined, buildArgs: {} } });
  });

  it('refuses build args that are not a JSON object of strings', () => {
    expect(ask(policy, 'POST', '/v1.41/build?buildargs=%5B1%5D')).toMatchObject({ allowed: false, denial: { rule: 'build.context', field: 'query.buildargs' } });
  });

  it('in dry-run, still reads the context of a build a rule would refuse, and refuses bad build args outright', () => {
    const dryRun = new DockerPolicy({ daemonApiVersion: () => '1.41', policy: { ...RESTRICTED, dryRun: true } });
    for (const query of ['networkmode=host', 'cgroupparent=%2F', 'version=3']) {
      expect(ask(dryRun, 'POST', `/v1.41/build?${query}&dockerfile=D`)).toMatchObject({ allowed: true, wouldDeny: {}, buildContext: { dockerfile: 'D', buildArgs: {} } });
    }
    expect(ask(dryRun, 'POST', '/v1.41/build?networkmode=host&buildargs=%5B1%5D')).toMatchObject({ allowed: false, denial: { rule: 'build.context' } });
  });

  it('has nothing to read for a BuildKit session build: its context is not in the body', () => {
    const decision = ask(policy, 'POST', '/v1.41/build?version=2&remote=client-session&session=abc');
    expect(decision.allowed && decision.buildContext).toBeUndefined();
  });
});
