import { DockerPolicy } from '../docker-policy';
import { RESTRICTED } from '../options/policy-options';
import { parseResourceOptions } from '../options/resource-options';
import { PolicyDecision } from '../policy-request';

const HOST_NET_ID = 'f3a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d';
const policy = new DockerPolicy({ daemonApiVersion: () => '1.41', hostNetworkIds: () => [HOST_NET_ID] });
const json = { 'content-type': 'application/json' };
const build = (query: string, version = '/v1.41', on = policy): PolicyDecision => on.decide({ method: 'POST', url: `${version}/build?${query}`, headers: {} });
const create = (hostConfig: Record<string, unknown>, on = policy): PolicyDecision =>
  on.decide({ method: 'POST', url: '/v1.41/containers/create', headers: json, body: Buffer.from(JSON.stringify({ Image: 'x', HostConfig: hostConfig })) });
const verdict = (decision: PolicyDecision) => (decision.allowed ? 'allowed' : decision.denial.rule);
const q = encodeURIComponent;

describe('a classic build\'s step containers are judged by the create rules', () => {
  // Each row: a build parameter and the create HostConfig the daemon would make of it.
  it.each([
    ['networkmode=host', 'networkmode=host', { NetworkMode: 'host' }],
    ['networkmode=HOST', 'networkmode=HOST', { NetworkMode: 'HOST' }],
    ['networkmode as the host network ID prefix', `networkmode=${HOST_NET_ID.slice(0, 12)}`, { NetworkMode: HOST_NET_ID.slice(0, 12) }],
    ['ulimits rtprio=99', `ulimits=${q('[{"Name":"rtprio","Soft":99,"Hard":99}]')}`, { Ulimits: [{ Name: 'rtprio', Soft: 99, Hard: 99 }] }],
    ['cgroupparent', 'cgroupparent=/', { CgroupParent: '/' }],
    ['isolation=hyperv', 'isolation=hyperv', { Isolation: 'hyperv' }],
    ['securityopt seccomp=unconfined', 'securityopt=seccomp%3Dunconfined', { SecurityOpt: ['seccomp=unconfined'] }],
    ['securityopt apparmor', 'securityopt=apparmor%3Dunconfined', { SecurityOpt: ['apparmor=unconfined'] }],
  ])('%s is refused by the same rule as at create', (_name, query, hostConfig) => {
    const atCreate = create(hostConfig);
    expect(atCreate.allowed).toBe(false);
    expect(verdict(build(query))).toBe(verdict(atCreate));
  });

  it.each([
    ['ulimits', `ulimits=${q('[{"Name":"rtprio","Soft":1,"Hard":1}]')}`, 'query.ulimits[0]'],
    ['networkmode', 'networkmode=host', 'query.networkmode'],
    ['cgroupparent', 'cgroupparent=/', 'query.cgroupparent'],
  ])('a refused %s is reported under the parameter the client set', (_name, query, field) => {
    const decision = build(query);
    expect(!decision.allowed && decision.denial.field).toBe(field);
  });

  it.each(['/v1.24', '/v1.41', ''])('holds at API %s', (version) => {
    expect(verdict(build(`ulimits=${q('[{"Name":"rtprio","Soft":99,"Hard":99}]')}`, version))).toBe('ulimits');
    expect(verdict(build('networkmode=host', version))).toBe('host-namespace');
  });

  it.each([
    ['the docker CLI 20.10 defaults', 'buildargs=%7B%7D&cachefrom=%5B%5D&cgroupparent=&cpuperiod=0&cpuquota=0&cpusetcpus=&cpusetmems=&cpushares=0&dockerfile=Dockerfile&labels=%7B%7D&memory=0&memswap=0&networkmode=default&rm=1&shmsize=0&t=built%3A1&target=&ulimits=null&version=1'],
    ['a nofile ulimit', `ulimits=${q('[{"Name":"nofile","Soft":1024,"Hard":2048}]')}`],
    ['rtprio 0', `ulimits=${q('[{"Name":"rtprio","Soft":0,"Hard":0}]')}`],
    ['a user network', 'networkmode=my-net'],
    ['networkmode none', 'networkmode=none'],
    ['no-new-privileges', 'securityopt=no-new-privileges'],
    ['cpu and shm settings', 'cpushares=512&cpusetcpus=0&cpusetmems=0&shmsize=67108864'],
    ['extra hosts', 'extrahosts=a%3A1.2.3.4'],
  ])('allows %s', (_name, query) => {
    expect(build(query)).toMatchObject({ allowed: true });
  });
});

describe('build step resource ceilings (resources options)', () => {
  const problems: string[] = [];
  const resources = parseResourceOptions({ memory: { max: '1g' }, cpus: { max: 2 } }, problems);
  const ceilinged = new DockerPolicy({ daemonApiVersion: () => '1.41', policy: { ...RESTRICTED, resources } });
  it('reads the ceilings it is given', () => expect(problems).toEqual([]));
  it.each([
    ['memory over the memory ceiling', 'memory=2147483648', 'query.memory'],
    ['a negative memory limit', 'memory=-1', 'query.memory'],
    ['unlimited swap', 'memory=1048576&memswap=-1', 'query.memswap'],
    ['swap over twice the ceiling', 'memory=1048576&memswap=4294967296', 'query.memswap'],
    ['a CPU quota over the CPU ceiling', 'cpuquota=400000&cpuperiod=100000', 'query.cpuquota'],
    ['an unlimited CPU quota', 'cpuquota=-1', 'query.cpuquota'],
  ])('%s is refused (rule resources)', (_name, query, field) => {
    const decision = build(query, '/v1.41', ceilinged);
    expect(decision).toMatchObject({ allowed: false, denial: { rule: 'resources', field } });
  });
  it.each([
    ['memory at the ceiling', 'memory=1073741824'],
    ['no memory given', 'memory=0&memswap=0'],
    ['a CPU quota within the ceiling', 'cpuquota=150000&cpuperiod=100000'],
  ])('%s is allowed', (_name, query) => {
    expect(build(query, '/v1.41', ceilinged)).toMatchObject({ allowed: true });
  });
});

describe('build networkmode=container:<ref> borrows a container like a create does', () => {
  it('hands the transport the same container reference as --network container:<ref> at create', () => {
    const atBuild = build('networkmode=container%3Aweb');
    const atCreate = create({ NetworkMode: 'container:web' });
    if (!atBuild.allowed || !atCreate.allowed) throw new Error('expected both allowed before the daemon-side check');
    expect(atBuild.containerReferences).toEqual([{ field: 'query.networkmode', value: 'container:web', ref: 'web', purpose: 'network' }]);
    expect(atBuild.containerReferences!.map(({ ref, purpose }) => ({ ref, purpose }))).toEqual(atCreate.containerReferences!.map(({ ref, purpose }) => ({ ref, purpose })));
  });

  it('names no container when the build names none', () => {
    const decision = build('networkmode=default');
    expect(decision.allowed && decision.containerReferences).toBeUndefined();
  });

  it('a borrowed host-network container is refused by the same check as at create', () => {
    const decision = build('networkmode=container%3Aweb');
    if (!decision.allowed) throw new Error('allowed before the daemon-side check');
    const denial = policy.checkReferencedContainer(decision.containerReferences![0], { HostConfig: { NetworkMode: 'host' } });
    expect(denial).toMatchObject({ rule: 'container-reference', field: 'query.networkmode', value: 'container:web' });
  });
});

describe('build networkmode=<network> joins a network like a create does', () => {
  it('hands the transport the same network reference as --network <name> at create', () => {
    const atBuild = build('networkmode=my-net');
    const atCreate = create({ NetworkMode: 'my-net' });
    if (!atBuild.allowed || !atCreate.allowed) throw new Error('expected both allowed before the daemon-side check');
    expect(atBuild.networkReferences).toEqual([{ field: 'query.networkmode', value: 'my-net', ref: 'my-net' }]);
    expect(atBuild.networkReferences!.map(({ ref }) => ref)).toEqual(atCreate.networkReferences!.map(({ ref }) => ref));
  });

  it.each(['default', 'bridge', 'none', 'container%3Aweb'])('names no network for networkmode=%s', (mode) => {
    const decision = build(`networkmode=${mode}`);
    expect(decision.allowed && decision.networkReferences).toBeUndefined();
  });

  it('in ownership mode, the network must be the requester\'s', () => {
    const owning = new DockerPolicy({ daemonApiVersion: () => '1.41', policy: { ...RESTRICTED, ownership: true } });
    const decision = owning.decide({ method: 'POST', url: '/v1.41/build?networkmode=their-net', headers: {}, client: 'CN=b' });
    expect(decision.allowed && decision.networkReferences).toEqual([{ field: 'query.networkmode', value: 'their-net', ref: 'their-net', owner: 'CN=b' }]);
  });
});
