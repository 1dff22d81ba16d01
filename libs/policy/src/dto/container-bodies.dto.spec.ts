import { BodyCases, describeBodyCases, UNKNOWN } from './body-cases.testing';

// The container bodies other than create (container-create.dto.spec.ts).
const CASES: Record<'containerUpdate' | 'execCreate' | 'execStart' | 'commit', BodyCases> = {
  containerUpdate: {
    // docker CLI 28.x, `docker update --memory 128m c`
    body: {
      CpuShares: 0, Memory: 134217728, NanoCpus: 0, CgroupParent: '', BlkioWeight: 0, BlkioWeightDevice: null, BlkioDeviceReadBps: null,
      BlkioDeviceWriteBps: null, BlkioDeviceReadIOps: null, BlkioDeviceWriteIOps: null, CpuPeriod: 0, CpuQuota: 0, CpuRealtimePeriod: 0,
      CpuRealtimeRuntime: 0, CpusetCpus: '', CpusetMems: '', Devices: null, DeviceCgroupRules: null, DeviceRequests: null, MemoryReservation: 0,
      MemorySwap: 0, MemorySwappiness: null, OomKillDisable: null, PidsLimit: null, Ulimits: null, CpuCount: 0, CpuPercent: 0,
      IOMaximumIOps: 0, IOMaximumBandwidth: 0, RestartPolicy: { Name: '', MaximumRetryCount: 0 },
    },
    accepted: [
      ['KernelMemory and KernelMemoryTCP (docker CLI 20.10)', (b) => Object.assign(b, { KernelMemory: 0, KernelMemoryTCP: 0 })],
      ['per-device limits', (b) => Object.assign(b, { BlkioWeightDevice: [{ Path: '/dev/sda', Weight: 100 }], BlkioDeviceReadBps: [{ Path: '/dev/sda', Rate: 1 }] })],
    ],
    refused: [
      ['a wrongly-cased key', 'memory', UNKNOWN, (b) => (b.memory = 1)],
      ['a wrongly-cased key in RestartPolicy', 'RestartPolicy.name', UNKNOWN, (b) => (b.RestartPolicy.name = 'always')],
      ['a look-alike key (Kelvin sign)', '["\u212AernelMemory"]', /Docker would read it as "KernelMemory"/, (b) => (b['\u212AernelMemory'] = 0)],
      ['a string for an integer', 'Memory', /must be an integer/, (b) => (b.Memory = '1g')],
      ['a string for RestartPolicy', 'RestartPolicy', /must be an object/, (b) => (b.RestartPolicy = 'always')],
      ['a field only create has', 'Privileged', UNKNOWN, (b) => (b.Privileged = false)],
      ['an unknown field in a list element', 'BlkioWeightDevice[0].Major', UNKNOWN, (b) => (b.BlkioWeightDevice = [{ Path: '/dev/sda', Weight: 1, Major: 8 }])],
      ['a number in the options map of a device request', 'DeviceRequests[0].Options.a', /must be a string/, (b) => (b.DeviceRequests = [{ Options: { a: 1 } }])],
    ],
  },
  execCreate: {
    // docker CLI 20.10 and 28.x, `docker exec c true`
    body: { User: '', Privileged: false, Tty: false, AttachStdin: false, AttachStderr: true, AttachStdout: true, Detach: false, DetachKeys: '', Env: null, WorkingDir: '', Cmd: ['true'] },
    accepted: [['ConsoleSize (1.42+)', (b) => (b.ConsoleSize = [40, 120])]],
    refused: [
      ['a wrongly-cased key', 'privileged', UNKNOWN, (b) => (b.privileged = true)],
      ['a look-alike key (U+017F)', '["Uſer"]', /Docker would read it as "User"/, (b) => (b['U\u017Fer'] = 'root')],
      ['a look-alike key (U+0130)', '["Prİvileged"]', UNKNOWN, (b) => (b['Pr\u0130vileged'] = true)],
      ['a string for a boolean', 'Privileged', /must be a boolean/, (b) => (b.Privileged = 'true')],
      ['a command as one string (exec Cmd is a plain []string)', 'Cmd', /must be a list of strings/, (b) => (b.Cmd = 'sh')],
      ['a ConsoleSize of three numbers', 'ConsoleSize', /two non-negative integers/, (b) => (b.ConsoleSize = [1, 2, 3])],
      ['the Container field dropped in API 1.24', 'Container', UNKNOWN, (b) => (b.Container = 'c')],
    ],
  },
  execStart: {
    body: { Detach: false, Tty: true, ConsoleSize: [40, 120] },
    refused: [
      ['a wrongly-cased key', 'detach', UNKNOWN, (b) => (b.detach = true)],
      ['a look-alike key (U+0130)', '["Deİach"]', UNKNOWN, (b) => (b['De\u0130ach'] = true)],
      ['a string for a boolean', 'Tty', /must be a boolean/, (b) => (b.Tty = 'yes')],
      ['a negative console size', 'ConsoleSize', /two non-negative integers/, (b) => (b.ConsoleSize = [-1, 80])],
    ],
  },
  commit: {
    // dockerode / docker-py commit with a config
    body: { Cmd: ['sh'], Env: ['A=1'], Labels: { 'com.example.tier': 'web' }, ExposedPorts: { '80/tcp': {} }, Volumes: { '/data': {} }, Healthcheck: { Test: ['NONE'] }, WorkingDir: '/app' },
    refused: [
      ['a wrongly-cased key', 'cmd', UNKNOWN, (b) => (b.cmd = ['sh'])],
      ['a wrongly-cased key in Healthcheck', 'Healthcheck.test', UNKNOWN, (b) => (b.Healthcheck.test = ['NONE'])],
      ['a look-alike key (U+017F)', '["ſhell"]', /Docker would read it as "Shell"/, (b) => (b['\u017Fhell'] = ['sh'])],
      ['a HostConfig (create only)', 'HostConfig', UNKNOWN, (b) => (b.HostConfig = {})],
      ['a string for ExposedPorts', 'ExposedPorts', /must be an object whose values are \{\}/, (b) => (b.ExposedPorts = '80/tcp')],
      ['a field inside a map value that must be {}', 'ExposedPorts["80/tcp"]', /must be \{\}/, (b) => (b.ExposedPorts['80/tcp'] = { HostPort: '80' })],
      ['a number for a label', 'Labels["com.example.tier"]', /must be a string/, (b) => (b.Labels['com.example.tier'] = 1)],
    ],
  },
};

describeBodyCases(CASES);
