import { checkBodyShape } from './body-shape.validator';

describe('body shapes generated from the specs', () => {
  it.each([
    ['a typical docker run body', 'containerCreate', { Image: 'busybox', Cmd: ['sh'], Env: null, Tty: true, ExposedPorts: { '80/tcp': {} }, HostConfig: { Binds: null, Memory: 67108864, LogConfig: { Type: '', Config: {} }, PortBindings: {}, Mounts: [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024 } }] }, NetworkingConfig: { EndpointsConfig: { net1: { Aliases: ['a'], IPAMConfig: { IPv4Address: '10.0.0.2' } } } } }],
    ['Cmd as a string (Go StrSlice)', 'containerCreate', { Image: 'b', Cmd: 'echo hi', Entrypoint: 'sh' }],
    ['an exec body', 'execCreate', { Cmd: ['id'], AttachStdout: true, User: '1000', Privileged: false, Env: ['A=1'] }],
    ['an exec start body', 'execStart', { Detach: false, Tty: false, ConsoleSize: [24, 80] }],
    ['an update body', 'containerUpdate', { Memory: 1, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } }],
    ['a volume body', 'volumeCreate', { Name: 'v', Driver: 'local', DriverOpts: {}, Labels: { a: 'b' } }],
    ['a network body', 'networkCreate', { Name: 'n', Driver: 'bridge', Internal: false, Options: {}, Labels: {} }],
    ['a connect body', 'networkConnect', { Container: 'c', EndpointConfig: { Aliases: ['x'] } }],
    ['an auth body', 'auth', { username: 'u', password: 'p', serveraddress: 'registry.example.com' }],
  ] as const)('accepts %s', (_name, kind, body) => {
    expect(checkBodyShape(kind, body)).toBeUndefined();
  });

  it.each([
    ['a lower-case top-level field', 'containerCreate', { image: 'b' }, 'image'],
    ['a lower-case nested field', 'containerCreate', { HostConfig: { privileged: true } }, 'HostConfig.privileged'],
    ['a long-s spelling', 'containerCreate', { HostConfig: { UsernſMode: 'host' } }, 'HostConfig.UsernſMode'],
    ['a field the spec never had', 'containerCreate', { HostConfig: { Capabilities: ['ALL'] } }, 'HostConfig.Capabilities'],
    ['a field inside a map value', 'containerCreate', { NetworkingConfig: { EndpointsConfig: { n: { ipamConfig: {} } } } }, 'NetworkingConfig.EndpointsConfig.n.ipamConfig'],
    ['a field inside a list element', 'containerCreate', { HostConfig: { Mounts: [{ Type: 'volume', Target: '/x', bindOptions: {} }] } }, 'HostConfig.Mounts[0].bindOptions'],
    ['a key inside an exposed port', 'containerCreate', { ExposedPorts: { '80/tcp': { HostPort: '80' } } }, 'ExposedPorts.80/tcp.HostPort'],
    ['a string where a boolean goes', 'containerCreate', { HostConfig: { Privileged: 'true' } }, 'HostConfig.Privileged'],
    ['a string where a number goes', 'containerCreate', { HostConfig: { Memory: '1g' } }, 'HostConfig.Memory'],
    ['a string where a list goes', 'containerCreate', { HostConfig: { CapAdd: 'ALL' } }, 'HostConfig.CapAdd'],
    ['an unsafe integer', 'containerCreate', { HostConfig: { Memory: 2 ** 60 } }, 'HostConfig.Memory'],
    ['a list body', 'containerCreate', [], '(body)'],
    ['an unknown exec field', 'execCreate', { Cmd: ['sh'], privileged: true }, 'privileged'],
  ] as const)('refuses %s, naming the field', (_name, kind, body, field) => {
    expect(checkBodyShape(kind, body)?.field).toBe(field);
  });
});
