import { DockerPolicy } from '../docker-policy';
import { PolicyDecision } from '../policy-request';
import { ContainerCreateDto } from './container-create.dto';
import { ExecStartConfigDto } from './exec-start-config.dto';
import { dropUnmappedKeys } from './unmapped-keys';

describe('keys Go maps to no field are dropped', () => {
  it.each([
    ['dockerode\'s exec-start options', ExecStartConfigDto, { hijack: true, stdin: true, Detach: false, Tty: false }, { Detach: false, Tty: false }, ['hijack', 'stdin']],
    ['a key named like an Object.prototype member', ExecStartConfigDto, { toString: 1, Tty: true }, { Tty: true }, ['toString']],
    ['an unknown key inside HostConfig', ContainerCreateDto, { Image: 'b', HostConfig: { x: 1, Init: true } }, { Image: 'b', HostConfig: { Init: true } }, ['HostConfig.x']],
    ['an unknown key in a Mounts element', ContainerCreateDto, { HostConfig: { Mounts: [{ Type: 'tmpfs', Target: '/t', extra: 1 }] } }, { HostConfig: { Mounts: [{ Type: 'tmpfs', Target: '/t' }] } }, ['HostConfig.Mounts[0].extra']],
    ['an unknown key in an endpoint', ContainerCreateDto, { NetworkingConfig: { EndpointsConfig: { n: { x: 1 } } } }, { NetworkingConfig: { EndpointsConfig: { n: {} } } }, ['NetworkingConfig.EndpointsConfig.n.x']],
    ['a top-level HostConfig field (read by old daemons at the top; never forwarded)', ContainerCreateDto, { Image: 'b', Privileged: true }, { Image: 'b' }, ['Privileged']],
  ])('drops %s', (_name, cls, body, kept, dropped) => {
    expect(dropUnmappedKeys(cls, body)).toEqual({ body: kept, dropped });
  });

  it.each([
    ['a non-canonical spelling of a field', ExecStartConfigDto, { detach: true }],
    ['a Kelvin-sign spelling', ContainerCreateDto, { HostConfig: { '\u212aernelMemory': 1 } }],
    ['map keys, which are data', ContainerCreateDto, { Labels: { hijack: 'x', 'a.b': 'y' }, HostConfig: { Sysctls: { whatever: '1' } } }],
    ['prototype keys, which are refused later', ExecStartConfigDto, JSON.parse('{"__proto__":{"Tty":true}}')],
  ])('keeps %s for the shape check to judge', (_name, cls, body) => {
    expect(dropUnmappedKeys(cls, body)).toEqual({ body, dropped: [] });
  });
});

describe('exec start through dockerode', () => {
  const policy = new DockerPolicy({ daemonApiVersion: () => '1.41' });
  const upgrade = { 'content-type': 'application/json', connection: 'Upgrade', upgrade: 'tcp' };
  const start = (prefix: string, body: unknown): PolicyDecision =>
    policy.decide({ method: 'POST', url: `${prefix}/exec/abc/start`, headers: upgrade, body: Buffer.from(JSON.stringify(body)) });

  it.each(['/v1.24', '/v1.41', ''])('%s: drops hijack and stdin, forwards only the validated fields, and reports what it dropped', (prefix) => {
    const decision = start(prefix, { hijack: true, stdin: true, Detach: false, Tty: false });
    expect(decision).toMatchObject({ allowed: true, droppedFields: ['hijack', 'stdin'] });
    expect(JSON.parse((decision as { body: Buffer }).body.toString())).toEqual({ Detach: false, Tty: false });
  });

  it('reports nothing when nothing was dropped', () => {
    expect(start('/v1.41', { Detach: false, Tty: true })).not.toHaveProperty('droppedFields');
  });

  it.each([
    ['a field in another spelling', { detach: true }, 'detach'],
    ['a field in another spelling beside a dropped key', { hijack: true, TTY: true }, 'TTY'],
    ['a field of the wrong type', { hijack: true, Tty: 'yes' }, 'Tty'],
  ])('still refuses %s', (_name, body, field) => {
    expect(start('/v1.41', body)).toMatchObject({ allowed: false, denial: { rule: 'body.shape', field } });
  });

  it('drops an unknown key deep in a create body, but a rule still sees the validated fields', () => {
    const decision = policy.decide({
      method: 'POST',
      url: '/v1.41/containers/create',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ Image: 'b', name: 'x', HostConfig: { Privileged: true, hijack: 1 } })),
    });
    expect(decision).toMatchObject({ allowed: false, denial: { rule: 'privileged' } });
  });
});
