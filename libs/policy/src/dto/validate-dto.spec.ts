import { ContainerCreateDto } from './container-create.dto';
import { DtoClass, shapeOf } from './docker-validation.decorators';
import { EndpointSettingsDto } from './endpoint-settings.dto';
import { HostConfigDto } from './host-config.dto';
import { MountDto } from './mount.dto';
import { PortBindingDto } from './port-binding.dto';
import { dtoFieldNames } from './shape-violations';
import { BODY_DTOS, toCanonicalPlain, validateDto } from './validate-dto';

/** Every DTO class reachable from the bodies, with the path it is first met at. */
function reachableDtos(): Array<[string, DtoClass]> {
  const seen = new Map<DtoClass, string>();
  const visit = (cls: DtoClass, path: string) => {
    if (seen.has(cls)) return;
    seen.set(cls, path);
    for (const name of dtoFieldNames(cls)) {
      const nested = shapeOf(cls, name)?.nested;
      if (nested) visit(nested, `${path}.${name}`);
    }
  };
  for (const [kind, cls] of Object.entries(BODY_DTOS)) visit(cls, kind);
  return [...seen].map(([cls, path]) => [`${cls.name} (${path})`, cls]);
}

const parse = (json: string): unknown => JSON.parse(json);

describe('validateDto', () => {
  it('has a DTO for every body kind the routes know', () => {
    expect(Object.keys(BODY_DTOS).sort()).toEqual(
      ['auth', 'commit', 'containerCreate', 'containerUpdate', 'execCreate', 'execStart', 'networkConnect', 'networkCreate', 'volumeCreate'],
    );
  });

  it.each([null, [], [{}], 'x', 1, true, undefined])('refuses %p as a body: the body must be a JSON object', (body) => {
    expect(validateDto(ContainerCreateDto, body)).toEqual({ ok: false, violations: [{ field: '(body)', value: body, reason: 'the body must be a JSON object' }] });
  });

  it.each(reachableDtos())('accepts null, as if absent, for every field of %s', (_name, cls) => {
    const body = Object.fromEntries(dtoFieldNames(cls).map((name) => [name, null]));
    const result = validateDto(cls, body);
    expect(result).toEqual({ ok: true, value: expect.any(cls) });
    if (result.ok) expect(toCanonicalPlain(result.value)).toStrictEqual(body);
  });

  it.each(reachableDtos())('refuses a key that is no field of %s', (_name, cls) => {
    expect(validateDto(cls, { NotAField: 1 })).toEqual({ ok: false, violations: [expect.objectContaining({ field: 'NotAField', value: 1 })] });
  });

  // The strict JSON parser refuses these too; validateDto does not rely on it.
  it.each([
    ['{"__proto__":{"Privileged":true}}', '__proto__'],
    ['{"HostConfig":{"constructor":{"name":"x"}}}', 'HostConfig.constructor'],
    ['{"Labels":{"prototype":"x"}}', 'Labels.prototype'],
    ['{"HostConfig":{"Mounts":[{"Type":"bind","__proto__":{}}]}}', 'HostConfig.Mounts[0].__proto__'],
    ['{"NetworkingConfig":{"EndpointsConfig":{"constructor":{}}}}', 'NetworkingConfig.EndpointsConfig.constructor'],
  ])('refuses the prototype key in %s, naming %s', (json, field) => {
    const result = validateDto(ContainerCreateDto, parse(json));
    expect(result).toEqual({ ok: false, violations: [expect.objectContaining({ field, reason: expect.stringMatching(/is not allowed/) })] });
  });

  // class-transformer skips keys named like Object.prototype's methods; the whitelist never sees them.
  it.each([
    ['{"toString":"x"}', 'toString'],
    ['{"HostConfig":{"valueOf":1}}', 'HostConfig.valueOf'],
    ['{"HostConfig":{"Mounts":[{"hasOwnProperty":true}]}}', 'HostConfig.Mounts[0].hasOwnProperty'],
    ['{"NetworkingConfig":{"EndpointsConfig":{"n":{"isPrototypeOf":1}}}}', 'NetworkingConfig.EndpointsConfig.n.isPrototypeOf'],
  ])('refuses a key class-transformer would drop in %s, naming %s', (json, field) => {
    const result = validateDto(ContainerCreateDto, parse(json));
    expect(result).toEqual({ ok: false, violations: [expect.objectContaining({ field, reason: expect.stringMatching(/^unknown field/) })] });
  });

  it('keeps such keys where they are map keys', () => {
    const body = parse('{"Labels":{"toString":"a","valueOf":"b"},"HostConfig":{"PortBindings":{"hasOwnProperty":[]}}}');
    const result = validateDto(ContainerCreateDto, body);
    expect(result.ok && toCanonicalPlain(result.value)).toStrictEqual(body);
  });

  it('gives nested objects their DTO class and leaves maps plain objects', () => {
    const result = validateDto(ContainerCreateDto, {
      Labels: { a: 'b' },
      HostConfig: { Mounts: [{ Type: 'volume' }], PortBindings: { '80/tcp': [{ HostPort: '80' }] } },
      NetworkingConfig: { EndpointsConfig: { net1: { Aliases: ['a'] } } },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.violations));
    const { value } = result;
    expect(value.HostConfig).toBeInstanceOf(HostConfigDto);
    expect(value.HostConfig?.Mounts?.[0]).toBeInstanceOf(MountDto);
    expect(value.HostConfig?.PortBindings?.['80/tcp']?.[0]).toBeInstanceOf(PortBindingDto);
    expect(value.NetworkingConfig?.EndpointsConfig?.net1).toBeInstanceOf(EndpointSettingsDto);
    expect(Object.getPrototypeOf(value.Labels)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(value.NetworkingConfig?.EndpointsConfig)).toBe(Object.prototype);
  });

  it('does not modify the body it reads', () => {
    const freeze = (v: unknown): void => {
      if (typeof v !== 'object' || v === null) return;
      Object.values(v).forEach(freeze);
      Object.freeze(v);
    };
    const body = { Image: 'x', Labels: { a: 'b' }, HostConfig: { Mounts: [{ Type: 'bind' }] }, NetworkingConfig: { EndpointsConfig: { n: {} } } };
    const copy = JSON.parse(JSON.stringify(body));
    freeze(body);
    expect(validateDto(ContainerCreateDto, body).ok).toBe(true);
    expect(body).toEqual(copy);
  });

  it('names the value each violation is about', () => {
    const result = validateDto(ContainerCreateDto, { HostConfig: { Memory: '1g', Mounts: [{ Type: 'bind', bindOptions: { Propagation: 'shared' } }] } });
    expect(result).toEqual({
      ok: false,
      violations: expect.arrayContaining([
        { field: 'HostConfig.Memory', value: '1g', reason: 'must be an integer (int64), not the string "1g"' },
        expect.objectContaining({ field: 'HostConfig.Mounts[0].bindOptions', value: { Propagation: 'shared' } }),
      ]),
    });
  });
});

describe('toCanonicalPlain', () => {
  it('drops undefined, keeps null, and turns instances and Maps into plain objects', () => {
    const host = Object.assign(new HostConfigDto(), { Privileged: false, Memory: undefined, Binds: null });
    const value = { HostConfig: host, Map: new Map<string, unknown>([['a', 1], ['b', undefined]]), List: [host] };
    expect(toCanonicalPlain(value)).toStrictEqual({ HostConfig: { Privileged: false, Binds: null }, Map: { a: 1 }, List: [{ Privileged: false, Binds: null }] });
  });

  it('leaves no class instance anywhere in the body it returns', () => {
    const result = validateDto(ContainerCreateDto, {
      HostConfig: { Mounts: [{ Type: 'bind', BindOptions: {} }], LogConfig: { Config: {} } },
      NetworkingConfig: { EndpointsConfig: { n: { IPAMConfig: {} } } },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.violations));
    const prototypes = new Set<unknown>();
    const walk = (v: unknown) => {
      if (typeof v !== 'object' || v === null) return;
      prototypes.add(Object.getPrototypeOf(v));
      Object.values(v).forEach(walk);
    };
    walk(toCanonicalPlain(result.value));
    expect([...prototypes]).toEqual(expect.arrayContaining([Object.prototype, Array.prototype]));
    expect(prototypes.size).toBe(2);
  });

  it('keeps a map key named __proto__ as a key', () => {
    const map = JSON.parse('{"__proto__":"x"}');
    expect(Object.keys(toCanonicalPlain({ Labels: map }).Labels as object)).toEqual(['__proto__']);
  });
});
