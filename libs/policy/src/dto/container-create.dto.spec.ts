import { ContainerCreateDto } from './container-create.dto';
import cliRun from './fixtures/docker-run-it-rm.container-create.json';
import { toCanonicalPlain, validateDto } from './validate-dto';

/* eslint-disable @typescript-eslint/no-explicit-any -- bodies are arbitrary JSON */
type Body = Record<string, any>;

// What the docker CLI 28.x sends for
// `docker run -it --rm -v vol:/data --memory 64m --cap-drop ALL busybox sh`
// (the captured test/fixtures/allowed/docker-cli-28.2-*-run-detach-rm.json with
// these flags' fields): every field spelled out, many null, empty or zero.
const CLI_RUN: Body = cliRun;

// The same run with a --mount, a published port, a user network and most other
// object-valued fields filled in, so that every nested type is exercised.
function richBody(): Body {
  const body: Body = JSON.parse(JSON.stringify(CLI_RUN));
  body.ExposedPorts = { '80/tcp': {} };
  body.Healthcheck = { Test: ['CMD-SHELL', 'true'], Interval: 1e9, Timeout: 3e9, Retries: 3, StartPeriod: 0, StartInterval: 0 };
  body.StopSignal = 'SIGTERM';
  body.StopTimeout = 5;
  body.HostConfig.PortBindings = { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] };
  body.HostConfig.Mounts = [
    { Type: 'bind', Source: '/srv/data', Target: '/data', ReadOnly: true, BindOptions: { Propagation: 'rprivate', NonRecursive: false } },
    { Type: 'volume', Source: 'v', Target: '/v', VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Name: 'local', Options: {} }, Subpath: 'x' } },
    { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 65536, Mode: 0o1777, Options: [['noexec'], ['nr_inodes', '1000']] } },
    { Type: 'image', Source: 'busybox', Target: '/img', ImageOptions: { Subpath: 'bin' } },
  ];
  body.HostConfig.Ulimits = [{ Name: 'nofile', Soft: 1024, Hard: 2048 }];
  body.HostConfig.BlkioWeightDevice = [{ Path: '/dev/sda', Weight: 300 }];
  body.HostConfig.BlkioDeviceReadBps = [{ Path: '/dev/sda', Rate: 1048576 }];
  body.HostConfig.Devices = [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }];
  body.HostConfig.DeviceRequests = [{ Driver: '', Count: -1, DeviceIDs: null, Capabilities: [['gpu']], Options: {} }];
  body.HostConfig.LogConfig = { Type: 'json-file', Config: { 'max-size': '1m' } };
  body.HostConfig.Tmpfs = { '/run': 'rw,noexec' };
  body.HostConfig.Sysctls = { 'net.ipv4.ip_unprivileged_port_start': '0' };
  body.HostConfig.Annotations = { 'io.example/owner': 'me' };
  body.HostConfig.StorageOpt = {};
  body.NetworkingConfig.EndpointsConfig = {
    net1: {
      IPAMConfig: { IPv4Address: '172.20.0.5', IPv6Address: '', LinkLocalIPs: [] },
      Aliases: ['web'],
      DriverOpts: { 'com.example.opt': '1' },
      GwPriority: 10,
      DNSNames: ['web'],
    },
  };
  return body;
}

function mutated(change: (body: Body) => void, base: Body = richBody()): Body {
  const body = JSON.parse(JSON.stringify(base));
  change(body);
  return body;
}

const UNKNOWN = /^unknown field/;

describe('ContainerCreateDto', () => {
  it.each([
    ['what the docker CLI sends for docker run -it --rm -v vol:/data --memory 64m --cap-drop ALL busybox sh', CLI_RUN],
    ['a create with every nested type filled in', richBody()],
    ['a body with nothing but the image', { Image: 'busybox' }],
  ])('accepts %s and forwards it unchanged', (_name, body) => {
    const result = validateDto(ContainerCreateDto, body);
    expect(result).toEqual({ ok: true, value: expect.any(ContainerCreateDto) });
    if (result.ok) expect(toCanonicalPlain(result.value)).toStrictEqual(body);
  });

  it.each<[string, (body: Body) => void]>([
    ['Cmd and Entrypoint as one string (Go strslice)', (b) => Object.assign(b, { Cmd: 'echo hi', Entrypoint: '' })],
    ['a null list of port bindings (the spec allows it)', (b) => (b.HostConfig.PortBindings['81/tcp'] = null)],
    ['a null HostConfig and NetworkingConfig', (b) => Object.assign(b, { HostConfig: null, NetworkingConfig: null })],
    ['null for every nested object', (b) => Object.assign(b.HostConfig, { LogConfig: null, RestartPolicy: null, Mounts: [{ Type: 'bind', BindOptions: null }] })],
    ['map keys with dots, slashes and prototype-like names', (b) => (b.Labels = { 'com.example/a.b': 'x', toString: 'y', hasOwnProperty: 'z' })],
    ['MemorySwappiness -1 (what the CLI sends for "unset")', (b) => (b.HostConfig.MemorySwappiness = -1)],
    ['Capabilities of API 1.40 and DiskQuota of API 1.25–1.39', (b) => Object.assign(b.HostConfig, { Capabilities: ['CAP_CHOWN'], DiskQuota: 0 })],
    ['MacAddress of API 1.51 and KernelMemory of API 1.41', (b) => Object.assign(b, { MacAddress: '' }) && Object.assign(b.HostConfig, { KernelMemory: 0, KernelMemoryTCP: 0 })],
  ])('accepts %s', (_name, change) => {
    const body = mutated(change);
    const result = validateDto(ContainerCreateDto, body);
    expect(result).toEqual({ ok: true, value: expect.any(ContainerCreateDto) });
    if (result.ok) expect(toCanonicalPlain(result.value)).toStrictEqual(body);
  });

  it.each<[string, string, RegExp, (body: Body) => void]>([
    // A spelling Docker's case-insensitive decoder would accept is not the canonical one.
    ['a wrongly-cased key at the top', 'privileged', UNKNOWN, (b) => (b.privileged = true)],
    ['a wrongly-cased key in HostConfig', 'HostConfig.capAdd', UNKNOWN, (b) => (b.HostConfig.capAdd = ['ALL'])],
    ['a wrongly-cased key in a mount', 'HostConfig.Mounts[0].bindOptions', UNKNOWN, (b) => (b.HostConfig.Mounts[0].bindOptions = { Propagation: 'rshared' })],
    ['a wrongly-cased key in an endpoint', 'NetworkingConfig.EndpointsConfig.net1.ipamConfig', UNKNOWN, (b) => (b.NetworkingConfig.EndpointsConfig.net1.ipamConfig = {})],
    ['an upper-case spelling of a lower-case spec key', 'HostConfig.PRIVILEGED', UNKNOWN, (b) => (b.HostConfig.PRIVILEGED = true)],
    ['Privileged with U+0130 (İ)', 'HostConfig["Prİvileged"]', UNKNOWN, (b) => (b.HostConfig['Pr\u0130vileged'] = true)],
    ['SecurityOpt with U+017F (ſ), which Docker folds to S', 'HostConfig["ſecurityOpt"]', /Docker would read it as "SecurityOpt"/, (b) => (b.HostConfig['\u017FecurityOpt'] = ['seccomp=unconfined'])],
    ['KernelMemory with the Kelvin sign, which Docker folds to K', 'HostConfig["\u212AernelMemory"]', /Docker would read it as "KernelMemory"/, (b) => (b.HostConfig['\u212AernelMemory'] = 1)],
    ['Privileged with a zero-width space', 'HostConfig["Privileged\u200b"]', UNKNOWN, (b) => (b.HostConfig['Privileged\u200b'] = true)],
    ['a field of another request (exec create)', 'HostConfig.DetachKeys', UNKNOWN, (b) => (b.HostConfig.DetachKeys = '')],
    ['a spec artefact that was never a field (v1.24 commit example)', 'Mounts', UNKNOWN, (b) => (b.Mounts = [])],
    ['a string for a boolean', 'HostConfig.Privileged', /must be a boolean/, (b) => (b.HostConfig.Privileged = 'true')],
    ['a string for an integer', 'HostConfig.Memory', /must be an integer/, (b) => (b.HostConfig.Memory = '1g')],
    ['a fraction for an integer', 'HostConfig.Memory', /must be an integer/, (b) => (b.HostConfig.Memory = 1.5)],
    ['an integer JSON cannot carry exactly', 'HostConfig.Memory', /±\(2\^53−1\)/, (b) => (b.HostConfig.Memory = 2 ** 60)],
    ['a string for a list', 'HostConfig.CapAdd', /must be a list of strings/, (b) => (b.HostConfig.CapAdd = 'ALL')],
    ['null in a list', 'HostConfig.CapAdd[1]', /must be a string, not null/, (b) => (b.HostConfig.CapAdd = ['CHOWN', null])],
    ['a number for a command', 'Cmd', /must be a string or a list of strings/, (b) => (b.Cmd = 1)],
    ['a number in a string map', 'Labels.tier', /must be a string/, (b) => (b.Labels = { tier: 1 })],
    ['null in a string map', 'HostConfig.Sysctls["net.ipv4.ip_forward"]', /must be a string/, (b) => (b.HostConfig.Sysctls = { 'net.ipv4.ip_forward': null })],
    ['a non-empty value in ExposedPorts', 'ExposedPorts["80/tcp"]', /must be \{\}/, (b) => (b.ExposedPorts = { '80/tcp': { HostPort: '80' } })],
    ['an object for a list of mounts', 'HostConfig.Mounts', /must be a list of objects/, (b) => (b.HostConfig.Mounts = { Type: 'bind' })],
    ['a string for a mount', 'HostConfig.Mounts[1]', /must be an object/, (b) => (b.HostConfig.Mounts[1] = '/a:/b')],
    ['a list for HostConfig', 'HostConfig', /must be an object/, (b) => (b.HostConfig = [])],
    ['a value outside a spec enum', 'HostConfig.Mounts[0].Type', /must be one of/, (b) => (b.HostConfig.Mounts[0].Type = 'Bind')],
    ['a propagation outside the spec enum', 'HostConfig.Mounts[0].BindOptions.Propagation', /must be one of/, (b) => (b.HostConfig.Mounts[0].BindOptions.Propagation = 'shared,rw')],
    ['a restart policy outside the spec enum', 'HostConfig.RestartPolicy.Name', /must be one of/, (b) => (b.HostConfig.RestartPolicy.Name = 'sometimes')],
    ['a negative uint16', 'HostConfig.BlkioWeight', /uint16/, (b) => (b.HostConfig.BlkioWeight = -1)],
    ['a ConsoleSize that is not [height, width]', 'HostConfig.ConsoleSize', /two non-negative integers/, (b) => (b.HostConfig.ConsoleSize = [40])],
    ['a string for a list of port bindings', 'HostConfig.PortBindings["80/tcp"]', /must be a list of objects/, (b) => (b.HostConfig.PortBindings['80/tcp'] = '8080')],
    ['a tmpfs option of three words', 'HostConfig.Mounts[2].TmpfsOptions.Options[0]', /1 to 2 strings/, (b) => (b.HostConfig.Mounts[2].TmpfsOptions.Options = [['a', 'b', 'c']])],
    ['a string for an endpoint', 'NetworkingConfig.EndpointsConfig.net1', /must be an object/, (b) => (b.NetworkingConfig.EndpointsConfig.net1 = 'x')],
    ['null for an endpoint (not nullable in the spec)', 'NetworkingConfig.EndpointsConfig.net1', /must be an object, not null/, (b) => (b.NetworkingConfig.EndpointsConfig.net1 = null)],
    ['an unknown field in an endpoint (a map value)', 'NetworkingConfig.EndpointsConfig.net1.Priority', UNKNOWN, (b) => (b.NetworkingConfig.EndpointsConfig.net1.Priority = 1)],
    ['an unknown field inside an endpoint\'s IPAMConfig', 'NetworkingConfig.EndpointsConfig.net1.IPAMConfig.IPv4', UNKNOWN, (b) => (b.NetworkingConfig.EndpointsConfig.net1.IPAMConfig.IPv4 = '10.0.0.1')],
    ['a wrong type inside an endpoint', 'NetworkingConfig.EndpointsConfig.net1.Aliases', /must be a list of strings/, (b) => (b.NetworkingConfig.EndpointsConfig.net1.Aliases = 'web')],
    ['an unknown field in a port binding (a map value)', 'HostConfig.PortBindings["80/tcp"][0].HostAddress', UNKNOWN, (b) => (b.HostConfig.PortBindings['80/tcp'][0].HostAddress = '0.0.0.0')],
    ['an unknown field in a list element', 'HostConfig.Ulimits[0].Max', UNKNOWN, (b) => (b.HostConfig.Ulimits[0].Max = 1)],
    ['a field the daemon skips in a spec-shaped place', 'HostConfig.Mounts[1].VolumeOptions.DriverConfig.options', UNKNOWN, (b) => (b.HostConfig.Mounts[1].VolumeOptions.DriverConfig.options = {})],
  ])('refuses %s, naming %s', (_name, field, reason, change) => {
    const result = validateDto(ContainerCreateDto, mutated(change));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.violations).toContainEqual(expect.objectContaining({ field, reason: expect.stringMatching(reason) }));
  });

  it('reports every violation of a body, not only the first', () => {
    const result = validateDto(ContainerCreateDto, mutated((b) => Object.assign(b.HostConfig, { privileged: true, Memory: '1g', CapAdd: 'ALL' })));
    expect(result.ok ? [] : result.violations.map((v) => v.field).sort()).toEqual(['HostConfig.CapAdd', 'HostConfig.Memory', 'HostConfig.privileged']);
  });
});
