import { HostConfigDto } from '../dto/host-config.dto';
import { validateDto } from '../dto/validate-dto';
import { knownQueryParameters } from '../routes/route-query';
import { ROUTE_TABLE } from '../routes/route-table';
import { BUILD_PARAMETERS_OUTSIDE_HOST_CONFIG, BUILD_STEP_PARAMETERS, buildStepHostConfig } from './build-step-parameters';

const buildRoute = ROUTE_TABLE.find((row) => row.method === 'POST' && row.template === '/build')!;
const mapping = Object.fromEntries(BUILD_STEP_PARAMETERS.map(({ parameter, field }) => [parameter, field]));
const query = (pairs: Record<string, string | string[]>) =>
  new Map(Object.entries(pairs).map(([key, value]) => [key, Array.isArray(value) ? value : [value]]));

describe('build parameters → step container HostConfig (pinned)', () => {
  // moby v20.10 api/server/router/build/build_routes.go newImageBuildOptions reads
  // these parameters into ImageBuildOptions, and builder/dockerfile/internals.go
  // hostConfigFromOptions copies exactly these options into the HostConfig of
  // every RUN step's container (plus LogConfig {Type: none}, fixed).
  const FROM_MOBY: Record<string, string> = {
    cgroupparent: 'CgroupParent', // Resources.CgroupParent ← options.CgroupParent ← "cgroupparent"
    cpushares: 'CpuShares', // Resources.CPUShares ← "cpushares"
    cpuperiod: 'CpuPeriod', // Resources.CPUPeriod ← "cpuperiod"
    cpuquota: 'CpuQuota', // Resources.CPUQuota ← "cpuquota"
    cpusetcpus: 'CpusetCpus', // Resources.CpusetCpus ← "cpusetcpus"
    cpusetmems: 'CpusetMems', // Resources.CpusetMems ← "cpusetmems"
    memory: 'Memory', // Resources.Memory ← "memory"
    memswap: 'MemorySwap', // Resources.MemorySwap ← "memswap"
    ulimits: 'Ulimits', // Resources.Ulimits ← JSON "ulimits"
    securityopt: 'SecurityOpt', // HostConfig.SecurityOpt ← r.Form["securityopt"]
    isolation: 'Isolation', // HostConfig.Isolation ← "isolation"
    shmsize: 'ShmSize', // HostConfig.ShmSize ← "shmsize"
    networkmode: 'NetworkMode', // HostConfig.NetworkMode ← "networkmode"
    extrahosts: 'ExtraHosts', // HostConfig.ExtraHosts ← r.Form["extrahosts"]
  };

  it('maps every parameter hostConfigFromOptions uses onto the create field it becomes, and nothing else', () => {
    expect(mapping).toEqual(FROM_MOBY);
  });

  it('accounts for every parameter the build route accepts: a step HostConfig field, or a stated other destination', () => {
    const accounted = new Set([...Object.keys(mapping), ...Object.keys(BUILD_PARAMETERS_OUTSIDE_HOST_CONFIG)]);
    expect([...knownQueryParameters(buildRoute)].filter((parameter) => !accounted.has(parameter))).toEqual([]);
    expect(Object.keys(mapping).filter((parameter) => parameter in BUILD_PARAMETERS_OUTSIDE_HOST_CONFIG)).toEqual([]);
    expect(Object.keys(mapping).filter((parameter) => !knownQueryParameters(buildRoute).has(parameter))).toEqual([]);
  });

  it.each(BUILD_STEP_PARAMETERS.map(({ field }) => field))('%s is a field of a create body\'s HostConfig, so its create rules read it', (field) => {
    const sample = field === 'SecurityOpt' || field === 'ExtraHosts' || field === 'Ulimits' ? [] : /^(Cpu|Memory|Shm)/.test(field) && !field.startsWith('Cpuset') ? 0 : '';
    expect(validateDto(HostConfigDto, { [field]: sample })).toMatchObject({ ok: true });
  });
});

describe('buildStepHostConfig reads parameters as the daemon does', () => {
  it.each([
    ['the docker CLI 20.10 defaults', { cgroupparent: '', cpuperiod: '0', cpuquota: '0', cpusetcpus: '', cpusetmems: '', cpushares: '0', memory: '0', memswap: '0', networkmode: 'default', shmsize: '0', ulimits: 'null' }, { CpuPeriod: 0, CpuQuota: 0, CpuShares: 0, Memory: 0, MemorySwap: 0, NetworkMode: 'default', ShmSize: 0 }],
    ['integers, signed', { memory: '+1048576', memswap: '-1' }, { Memory: 1048576, MemorySwap: -1 }],
    ['lists, every value', { extrahosts: ['a:1.2.3.4', 'b:5.6.7.8'], securityopt: ['no-new-privileges'] }, { ExtraHosts: ['a:1.2.3.4', 'b:5.6.7.8'], SecurityOpt: ['no-new-privileges'] }],
    ['ulimits as canonical entries', { ulimits: '[{"Name":"nofile","Soft":1024,"Hard":2048}]' }, { Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }] }],
    ['an empty ulimits list', { ulimits: '[]' }, { Ulimits: [] }],
  ])('%s', (_name, pairs, hostConfig) => {
    expect(buildStepHostConfig(query(pairs))).toEqual({ hostConfig });
  });

  it.each([
    ['memory', '1g', 'base-10 integer'],
    ['memory', '99999999999999999999', '2^53'],
    ['cpuquota', '1e5', 'base-10 integer'],
    ['shmsize', '0x10', 'base-10 integer'],
    // Go's decoder matches keys case-insensitively: "name" would be Name to it.
    ['ulimits', '[{"name":"rtprio","soft":99,"hard":99}]', 'entry 0'],
    ['ulimits', '[{"Name":"rtprio","Name":"nofile"}]', 'duplicate'],
    ['ulimits', '[{"Name":"rtprio","Soft":"99"}]', 'entry 0'],
    ['ulimits', '{"Name":"rtprio"}', 'JSON list'],
    ['ulimits', '[null]', 'entry 0'],
  ])('refuses %s=%s, which the daemon would read differently or not at all', (parameter, value, why) => {
    const derived = buildStepHostConfig(query({ [parameter]: value }));
    expect(derived).toMatchObject({ parameter, value });
    expect('reason' in derived && derived.reason).toContain(why);
  });
});
