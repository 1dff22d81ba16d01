import { DockerPolicy } from '../docker-policy';
import { parsePolicyOptions } from '../options/policy-options';
import { denialMessage } from '../policy-denial';
import { PolicyDecision } from '../policy-request';

const json = { 'content-type': 'application/json' };
const policyWith = (resources?: Record<string, unknown>) =>
  new DockerPolicy({ daemonApiVersion: () => '1.41', policy: parsePolicyOptions(resources ? { resources } : {}, 'test') });
const restricted = policyWith();
// Memory, CPUs and disk are off in restricted; an operator turns them on.
const limited = policyWith({ memory: { default: '512m', max: '1g' }, cpus: { default: 1, max: 2 }, disk: { max: '10g' } });

const send = (policy: DockerPolicy, url: string, body: unknown): PolicyDecision =>
  policy.decide({ method: 'POST', url: `/v1.41${url}`, headers: json, body: Buffer.from(JSON.stringify(body)) });
const create = (policy: DockerPolicy, hostConfig: Record<string, unknown>) => send(policy, '/containers/create', { Image: 'b', HostConfig: hostConfig });
const update = (policy: DockerPolicy, body: Record<string, unknown>) => send(policy, '/containers/c1/update', body);
const hostConfigOf = (decision: PolicyDecision): Record<string, any> => {
  if (!decision.allowed) throw new Error(denialMessage(decision.denial));
  return JSON.parse(decision.body!.toString()).HostConfig;
};
const verdict = (decision: PolicyDecision) => (decision.allowed ? 'allowed' : `${decision.denial.rule} ${decision.denial.field}: ${decision.denial.reason}`);

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const bounded = { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } };

describe('resource ceilings', () => {
  describe('container create: defaults where the client set none', () => {
    it.each([
      ['no PidsLimit', {}, 1024],
      ['PidsLimit null', { PidsLimit: null }, 1024],
      ['PidsLimit 0 (unlimited at create)', { PidsLimit: 0 }, 1024],
      ['its own PidsLimit', { PidsLimit: 64 }, 64],
    ])('%s gets PidsLimit %d', (_name, hostConfig, pids) => {
      expect(hostConfigOf(create(restricted, hostConfig)).PidsLimit).toBe(pids);
    });

    it.each([
      ['no LogConfig', {}, bounded],
      ['the daemon\'s default driver (Type "")', { LogConfig: { Type: '', Config: {} } }, bounded],
      ['json-file without options', { LogConfig: { Type: 'json-file', Config: null } }, bounded],
      ['local without options', { LogConfig: { Type: 'local' } }, { ...bounded, Type: 'local' }],
      ['a max-size of its own (docker run --log-opt max-size=1m)', { LogConfig: { Type: '', Config: { 'max-size': '1m' } } }, { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '3' } }],
      ['a max-file of its own', { LogConfig: { Type: 'json-file', Config: { 'max-file': '2' } } }, { Type: 'json-file', Config: { 'max-file': '2', 'max-size': '10m' } }],
      ['no logs at all', { LogConfig: { Type: 'none' } }, { Type: 'none' }],
    ])('%s is kept to the log bound: %j', (_name, hostConfig, logConfig) => {
      expect(hostConfigOf(create(restricted, hostConfig)).LogConfig).toEqual(logConfig);
    });

    it('memory, CPUs and disk are left alone in restricted', () => {
      const hostConfig = hostConfigOf(create(restricted, { Memory: 64 * GiB, NanoCpus: 64e9 }));
      expect(hostConfig).toMatchObject({ Memory: 64 * GiB, NanoCpus: 64e9 });
      expect(hostConfig.StorageOpt).toBeUndefined();
    });

    it.each([
      ['no memory limit', {}, { Memory: 512 * MiB }],
      ['Memory 0', { Memory: 0 }, { Memory: 512 * MiB }],
      ['no CPU limit', {}, { NanoCpus: 1e9 }],
      ['a CPU period without a quota (the quota is made of the default)', { CpuPeriod: 50_000 }, { CpuPeriod: 50_000, CpuQuota: 50_000 }],
      ['no disk size', {}, { StorageOpt: { size: String(10 * GiB) } }],
      ['its own limits', { Memory: GiB, NanoCpus: 2e9, StorageOpt: { size: '5g' } }, { Memory: GiB, NanoCpus: 2e9, StorageOpt: { size: '5g' } }],
    ])('with operator ceilings, %s gets %j', (_name, hostConfig, expected) => {
      expect(hostConfigOf(create(limited, hostConfig))).toMatchObject(expected);
    });

    it('a CPU quota of its own gets no NanoCpus beside it (the daemon refuses both)', () => {
      expect(hostConfigOf(create(limited, { CpuQuota: 150_000 })).NanoCpus).toBeUndefined();
    });
  });

  describe('container create: what lifts a ceiling is refused', () => {
    it.each([
      ['PidsLimit -1 (unlimited)', restricted, { PidsLimit: -1 }, 'resources HostConfig.PidsLimit: an unlimited number of processes'],
      ['a negative PidsLimit', restricted, { PidsLimit: -5 }, 'resources HostConfig.PidsLimit: an unlimited number of processes'],
      ['PidsLimit over the ceiling', restricted, { PidsLimit: 4097 }, 'resources HostConfig.PidsLimit: at most 4096 processes'],
      ['log max-size beyond the bound', restricted, { LogConfig: { Type: 'json-file', Config: { 'max-size': '100m' } } }, 'resources HostConfig.LogConfig.Config.max-size: a container may keep at most 30 MB of logs'],
      ['more log files than the bound', restricted, { LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '4' } } }, 'resources HostConfig.LogConfig.Config.max-size: a container may keep at most 30 MB'],
      ['the local driver\'s own bound (20 MB × 5)', restricted, { LogConfig: { Type: 'local', Config: { 'max-size': '20m', 'max-file': '5' } } }, 'resources HostConfig.LogConfig.Config.max-size'],
      ['max-size -1 (unbounded)', restricted, { LogConfig: { Type: 'json-file', Config: { 'max-size': '-1' } } }, 'resources HostConfig.LogConfig.Config.max-size: max-size must be a positive size'],
      ['max-size 0', restricted, { LogConfig: { Type: 'local', Config: { 'max-size': '0' } } }, 'resources HostConfig.LogConfig.Config.max-size: max-size must be a positive size'],
      ['max-file 0', restricted, { LogConfig: { Type: 'json-file', Config: { 'max-file': '0' } } }, 'resources HostConfig.LogConfig.Config.max-file'],
      ['max-file not a plain number', restricted, { LogConfig: { Type: 'json-file', Config: { 'max-file': '+3' } } }, 'resources HostConfig.LogConfig.Config.max-file'],
      ['a large non-blocking log buffer', restricted, { LogConfig: { Type: 'json-file', Config: { mode: 'non-blocking', 'max-buffer-size': '1g' } } }, "resources HostConfig.LogConfig.Config.max-buffer-size: the log buffer is held in the daemon's memory"],
      ['a log option the driver does not read', restricted, { LogConfig: { Type: 'json-file', Config: { 'syslog-address': 'tcp://10.0.0.1:514' } } }, 'log-driver HostConfig.LogConfig.Config.syslog-address'],
      ['an option in another case (the driver would refuse it, so do we)', restricted, { LogConfig: { Type: 'local', Config: { 'max-Size': '1m' } } }, 'log-driver HostConfig.LogConfig.Config.max-Size'],
      ['options for the none driver', restricted, { LogConfig: { Type: 'none', Config: { 'max-size': '1m' } } }, 'log-driver HostConfig.LogConfig.Config.max-size: the none log driver takes no options'],
      ['a disk size without an operator ceiling', restricted, { StorageOpt: { size: '1g' } }, 'resources HostConfig.StorageOpt.size: a container disk size replaces the daemon\'s own quota'],
      ['a storage option other than size', limited, { StorageOpt: { 'dm.basesize': '1g' } }, 'resources HostConfig.StorageOpt.dm.basesize: only the storage option size'],
      ['size spelled otherwise', limited, { StorageOpt: { Size: '1g' } }, 'resources HostConfig.StorageOpt.Size'],
      ['disk size 0 (no quota)', limited, { StorageOpt: { size: '0' } }, 'resources HostConfig.StorageOpt.size: size must be a positive size'],
      ['disk size over the ceiling', limited, { StorageOpt: { size: '20g' } }, 'resources HostConfig.StorageOpt.size: at most 10 GiB'],
      ['memory over the ceiling', limited, { Memory: 2 * GiB }, 'resources HostConfig.Memory: at most 1 GiB of memory'],
      ['negative memory', limited, { Memory: -1 }, 'resources HostConfig.Memory: a negative memory limit'],
      ['unlimited swap', limited, { MemorySwap: -1 }, 'resources HostConfig.MemorySwap: unlimited swap (-1)'],
      ['swap beyond twice the memory ceiling', limited, { Memory: GiB, MemorySwap: 3 * GiB }, 'resources HostConfig.MemorySwap: memory plus swap may be at most 2 GiB'],
      ['NanoCpus over the ceiling', limited, { NanoCpus: 3e9 }, 'resources HostConfig.NanoCpus: at most 2 CPUs'],
      ['negative NanoCpus', limited, { NanoCpus: -1 }, 'resources HostConfig.NanoCpus: a negative CPU limit'],
      ['an unlimited CPU quota', limited, { CpuQuota: -1 }, 'resources HostConfig.CpuQuota: an unlimited CPU quota (-1)'],
      ['a CPU quota over the ceiling', limited, { CpuQuota: 300_000 }, 'resources HostConfig.CpuQuota: CpuQuota/CpuPeriod amounts to 3 CPUs'],
      ['a short period under a quota', limited, { CpuQuota: 100_000, CpuPeriod: 10_000 }, 'resources HostConfig.CpuQuota: CpuQuota/CpuPeriod amounts to 10 CPUs'],
    ])('refuses %s', (_name, policy, hostConfig, expected) => {
      expect(verdict(create(policy, hostConfig))).toContain(expected);
    });

    it.each([
      ['PidsLimit at the ceiling', restricted, { PidsLimit: 4096 }],
      ['PidsLimit 1', restricted, { PidsLimit: 1 }],
      ['one log file of the whole bound', restricted, { LogConfig: { Type: 'json-file', Config: { 'max-size': '30m', 'max-file': '1' } } }],
      ['smaller files, more of them', restricted, { LogConfig: { Type: 'local', Config: { 'max-size': '5m', 'max-file': '6', compress: 'true' } } }],
      ['tags, labels and env in log lines', restricted, { LogConfig: { Type: 'json-file', Config: { tag: '{{.Name}}', labels: 'a', env: 'B', 'env-regex': '^X', 'labels-regex': '^y' } } }],
      ['a small non-blocking buffer', restricted, { LogConfig: { Type: 'json-file', Config: { mode: 'non-blocking', 'max-buffer-size': '512k' } } }],
      ['limits at the ceilings', limited, { Memory: GiB, MemorySwap: 2 * GiB, NanoCpus: 2e9, StorageOpt: { size: '10g' } }],
      ['a quota over a period, within the ceiling', limited, { CpuQuota: 100_000, CpuPeriod: 50_000 }],
      ['the docker CLI\'s zero-valued fields', limited, { Memory: 0, MemorySwap: 0, NanoCpus: 0, CpuQuota: 0, CpuPeriod: 0, PidsLimit: 0 }],
    ])('allows %s', (_name, policy, hostConfig) => {
      expect(verdict(create(policy, hostConfig))).toBe('allowed');
    });

    it('says what to change in the words the docker CLI prints', () => {
      const decision = create(restricted, { PidsLimit: -1 });
      expect(decision.allowed ? '' : denialMessage(decision.denial)).toBe(
        'dind-service policy denied the request: HostConfig.PidsLimit=-1: an unlimited number of processes is not allowed (0 and -1 mean unlimited); give 1 to 4096 (rule resources)',
      );
    });
  });

  describe('container update cannot lift a ceiling (absent and 0 mean unchanged)', () => {
    it.each([
      ['PidsLimit 0 (unlimited at update)', restricted, { PidsLimit: 0 }, 'resources PidsLimit: an unlimited number of processes'],
      ['PidsLimit -1', restricted, { PidsLimit: -1 }, 'resources PidsLimit: an unlimited number of processes'],
      ['PidsLimit over the ceiling', restricted, { PidsLimit: 5000 }, 'resources PidsLimit: at most 4096'],
      ['memory over the ceiling', limited, { Memory: 2 * GiB }, 'resources Memory: at most 1 GiB'],
      ['negative memory', limited, { Memory: -1 }, 'resources Memory'],
      ['unlimited swap', limited, { MemorySwap: -1 }, 'resources MemorySwap'],
      ['NanoCpus over the ceiling', limited, { NanoCpus: 4e9 }, 'resources NanoCpus'],
      ['an unlimited CPU quota', limited, { CpuQuota: -1 }, 'resources CpuQuota: an unlimited CPU quota'],
      ['a quota alone (applied over the period the container has)', limited, { CpuQuota: 50_000 }, 'resources CpuQuota: CpuQuota and CpuPeriod are updated together'],
      ['a period alone (1 ms under a 100 ms quota is 100 CPUs)', limited, { CpuPeriod: 1000 }, 'resources CpuPeriod: CpuQuota and CpuPeriod are updated together'],
      ['a quota over a period beyond the ceiling', limited, { CpuQuota: 400_000, CpuPeriod: 100_000 }, 'resources CpuQuota: CpuQuota/CpuPeriod amounts to 4 CPUs'],
    ])('refuses %s', (_name, policy, body, expected) => {
      expect(verdict(update(policy, body))).toContain(expected);
    });

    // What `docker update --restart always` sends: every limit 0 ("unchanged"), no PidsLimit.
    const cliUpdate = { Memory: 0, MemorySwap: 0, MemoryReservation: 0, NanoCpus: 0, CpuQuota: 0, CpuPeriod: 0, CpuShares: 0, RestartPolicy: { Name: 'always', MaximumRetryCount: 0 } };

    it.each([
      ['no change to limits (docker update --restart)', limited, cliUpdate],
      ['PidsLimit null (unchanged)', restricted, { PidsLimit: null }],
      ['a lower PidsLimit', restricted, { PidsLimit: 100 }],
      ['limits within the ceilings', limited, { Memory: GiB, MemorySwap: 2 * GiB, NanoCpus: 2e9 }],
      ['quota and period together within the ceiling', limited, { CpuQuota: 100_000, CpuPeriod: 100_000 }],
      ['any memory and CPUs when the operator set no ceiling', restricted, { Memory: 64 * GiB, NanoCpus: 64e9, CpuQuota: -1 }],
    ])('allows %s', (_name, policy, body) => {
      expect(verdict(update(policy, body))).toBe('allowed');
    });

    it('forwards no default: an update changes only what it names', () => {
      const decision = update(restricted, { Memory: 0 });
      expect(decision.allowed && JSON.parse(decision.body!.toString())).toEqual({ Memory: 0 });
    });
  });

  describe('container count', () => {
    const post = (url: string) => restricted.decide({ method: 'POST', url: `/v1.41${url}`, headers: {} });
    it.each([
      ['/containers/c1/start', { adds: 'running', ref: 'c1' }],
      ['/containers/c1/restart', { adds: 'running', ref: 'c1' }],
      ['/containers/c1/unpause', undefined],
      ['/containers/c1/stop', undefined],
    ])('POST %s asks the transport to count: %j', (url, expected) => {
      const decision = post(url);
      expect(decision.allowed && decision.containerCount).toEqual(expected);
    });

    it('a create asks for the count of all containers', () => {
      const decision = create(restricted, {});
      expect(decision.allowed && decision.containerCount).toEqual({ adds: 'container' });
    });
  });
});
