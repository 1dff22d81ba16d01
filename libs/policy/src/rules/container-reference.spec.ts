import { DockerPolicy } from '../docker-policy';
import { RESTRICTED } from '../options/policy-options';
import { PolicyDecision } from '../policy-request';
import { ContainerReference, containerReferencesOfCreate, nextNamespaceReference } from './container-reference';

// What `GET /containers/{id}/json` reports for a container created through the
// policy (trimmed to the fields the check reads, plus the defaults inspect
// always shows, such as MaskedPaths, which must not count against it).
const compliant = () => ({
  HostConfig: {
    Binds: ['cache:/cache'],
    NetworkMode: 'default',
    PidMode: '',
    IpcMode: 'private',
    UTSMode: '',
    UsernsMode: '',
    CgroupnsMode: 'private',
    Privileged: false,
    CapAdd: null,
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges'],
    Devices: [],
    DeviceCgroupRules: null,
    DeviceRequests: null,
    VolumeDriver: '',
    Mounts: [{ Type: 'tmpfs', Target: '/t' }],
    MaskedPaths: ['/proc/asound', '/proc/acpi', '/proc/kcore'],
    ReadonlyPaths: ['/proc/bus', '/proc/fs'],
    LogConfig: { Type: 'json-file', Config: {} },
  },
  Mounts: [
    { Type: 'volume', Name: 'cache', Source: '/var/lib/docker/volumes/cache/_data', Destination: '/cache', Driver: 'local', RW: true },
    { Type: 'tmpfs', Source: '', Destination: '/t', RW: true },
  ],
});

const volumesFrom: ContainerReference = { field: 'HostConfig.VolumesFrom[0]', value: 'web:ro', ref: 'web', purpose: 'volumes-from' };
const restricted = new DockerPolicy({ daemonApiVersion: () => '1.41' });
const withCache = new DockerPolicy({
  daemonApiVersion: () => '1.41',
  policy: { ...RESTRICTED, hostBindPrefixes: [{ path: '/srv/cache', readOnly: true }] },
});

function variant(change: (container: ReturnType<typeof compliant>) => void) {
  const container = compliant();
  change(container);
  return container;
}

describe('containers a request borrows from', () => {
  it.each([
    ['VolumesFrom with a mode', { VolumesFrom: ['web:ro', 'db'] }, [['HostConfig.VolumesFrom[0]', 'web', 'volumes-from'], ['HostConfig.VolumesFrom[1]', 'db', 'volumes-from']]],
    ['VolumesFrom with a label mode (the daemon splits at the first colon)', { VolumesFrom: ['web:z', 'db:ro:x'] }, [['HostConfig.VolumesFrom[0]', 'web', 'volumes-from'], ['HostConfig.VolumesFrom[1]', 'db', 'volumes-from']]],
    ['a network namespace join', { NetworkMode: 'container:abc123' }, [['HostConfig.NetworkMode', 'abc123', 'network']]],
    ['PID and IPC joins', { PidMode: 'container:a', IpcMode: 'container:b' }, [['HostConfig.PidMode', 'a', 'pid'], ['HostConfig.IpcMode', 'b', 'ipc']]],
    ['nothing borrowed', { NetworkMode: 'bridge', IpcMode: 'shareable', VolumesFrom: null }, []],
  ])('are found in a create body: %s', (_name, hostConfig, expected) => {
    const found = containerReferencesOfCreate({ Image: 'x', HostConfig: hostConfig }).map((r) => [r.field, r.ref, r.purpose]);
    expect(found).toEqual(expected);
  });

  it('come out of decide for create and for exec, for the transport to inspect', () => {
    const json = { 'content-type': 'application/json' };
    const decide = (url: string, body: unknown): PolicyDecision =>
      restricted.decide({ method: 'POST', url, headers: json, body: Buffer.from(JSON.stringify(body)) });
    expect(decide('/v1.41/containers/create', { Image: 'x', HostConfig: { VolumesFrom: ['web'] } })).toMatchObject({
      allowed: true,
      containerReferences: [{ ref: 'web', purpose: 'volumes-from', field: 'HostConfig.VolumesFrom[0]' }],
    });
    expect(decide('/v1.52/containers/web/exec', { Cmd: ['true'] })).toMatchObject({
      allowed: true,
      containerReferences: [{ ref: 'web', purpose: 'exec', field: 'path.id' }],
    });
    expect(decide('/v1.41/containers/create', { Image: 'x' })).not.toHaveProperty('containerReferences', expect.anything());
  });

  it('lend nothing when they satisfy the policy (inspect defaults such as MaskedPaths do not count)', () => {
    expect(restricted.checkReferencedContainer(volumesFrom, compliant())).toBeUndefined();
  });

  it.each([
    ['privileged', variant((c) => (c.HostConfig.Privileged = true)), 'HostConfig.Privileged=true: privileged containers are not allowed; rule privileged'],
    ['an added capability', variant((c) => (c.HostConfig.CapAdd = ['CAP_SYS_ADMIN'] as never)), 'rule capabilities'],
    ['a host bind', variant((c) => (c.HostConfig.Binds = ['/etc:/host-etc'])), 'HostConfig.Binds[0]'],
    ['a host device', variant((c) => (c.HostConfig.Devices = [{ PathOnHost: '/dev/mem' }] as never)), 'rule devices'],
    ['the host network', variant((c) => (c.HostConfig.NetworkMode = 'host')), 'rule host-namespace'],
    ['the host PID namespace', variant((c) => (c.HostConfig.PidMode = 'host')), 'rule host-namespace'],
    ['seccomp unconfined', variant((c) => (c.HostConfig.SecurityOpt = ['seccomp=unconfined'])), 'rule confinement'],
    [
      'a bind it inherited through its own VolumesFrom (only in its effective mounts)',
      variant((c) => c.Mounts.push({ Type: 'bind', Source: '/var/run', Destination: '/run-host', RW: true } as never)),
      '(effective) Mounts[2].Type="bind"',
    ],
    ['a volume of another driver', variant((c) => (c.Mounts[0].Driver = 'rexray')), 'rule host-mount'],
  ])('refuse a container with %s, saying which and why', (_name, container, detail) => {
    const denial = restricted.checkReferencedContainer(volumesFrom, container);
    expect(denial).toMatchObject({ rule: 'container-reference', field: 'HostConfig.VolumesFrom[0]', value: 'web:ro' });
    expect(denial!.reason).toContain('container "web" does not satisfy this policy');
    expect(denial!.reason).toContain(detail);
    expect(denial!.reason).toContain('so taking its volumes is not allowed');
  });

  it('accept a bind inside an allowed prefix, read-only, when the policy file allows it', () => {
    const cached = variant((c) => {
      c.HostConfig.Binds = ['/srv/cache:/cache:ro'];
      c.Mounts[0] = { Type: 'bind', Source: '/srv/cache', Destination: '/cache', RW: false } as never;
    });
    expect(withCache.checkReferencedContainer(volumesFrom, cached)).toBeUndefined();
    expect(restricted.checkReferencedContainer(volumesFrom, cached)?.rule).toBe('container-reference');
  });

  it('follow a namespace join to the container it joined, and stop where none is', () => {
    const network: ContainerReference = { field: 'HostConfig.NetworkMode', value: 'container:a', ref: 'a', purpose: 'network' };
    expect(nextNamespaceReference(network, variant((c) => (c.HostConfig.NetworkMode = 'container:b')))).toMatchObject({ ref: 'b', field: 'HostConfig.NetworkMode' });
    expect(nextNamespaceReference(network, compliant())).toBeUndefined();
    expect(nextNamespaceReference(volumesFrom, variant((c) => (c.HostConfig.NetworkMode = 'container:b')))).toBeUndefined();
  });
});
