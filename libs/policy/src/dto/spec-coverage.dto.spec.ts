import generated from '../shapes/body-shapes.json';
import { DtoClass, ShapeKind, shapeOf } from './docker-validation.decorators';
import { dtoFieldNames } from './shape-violations';
import { BODY_DTOS } from './validate-dto';

// Pins the DTOs to the API specs: body-shapes.json is generated from the
// v1.41–v1.52 specs (tools/generate-body-shapes.js). Every field there must be a
// DTO field of the same JSON shape, and every DTO field must be there or in the
// table below, so that adding, dropping or retyping a field is a reviewed diff.

type SpecShape =
  | { t: 'string' | 'integer' | 'number' | 'boolean' | 'any' }
  | { t: 'array'; items: SpecShape }
  | { t: 'object'; props: Record<string, SpecShape>; map?: SpecShape };

const SPEC = generated.shapes as unknown as Record<string, SpecShape>;

/** DTO fields that the v1.41–v1.52 specs do not have, and why each is there. */
const NOT_IN_SPECS_1_41_TO_1_52: Record<string, string> = {
  'containerCreate:HostConfig.Capabilities': 'API 1.40 only',
  'containerCreate:HostConfig.DiskQuota': 'API 1.25–1.39',
  'containerUpdate:DiskQuota': 'API 1.25–1.39',
  'auth:identitytoken': 'documented for the AuthConfig of X-Registry-Auth; sent by docker login with a stored token',
  'volumeCreate:ClusterVolumeSpec.Secrets': 'Go type; the spec nests it in AccessMode by an indentation slip',
  'volumeCreate:ClusterVolumeSpec.AccessibilityRequirements': 'Go type; the spec nests it in AccessMode',
  'volumeCreate:ClusterVolumeSpec.CapacityRange': 'Go type; the spec nests it in AccessMode',
  'volumeCreate:ClusterVolumeSpec.Availability': 'Go type; the spec nests it in AccessMode',
  'volumeCreate:ClusterVolumeSpec.AccessMode.BlockVolume': 'Go type; the spec has it inside a description',
};

/** Spec fields the DTOs deliberately shape differently, and why. */
const SHAPED_OTHERWISE: Record<string, string> = {
  'volumeCreate:ClusterVolumeSpec.AccessMode.Secrets': 'a field of ClusterVolumeSpec in the Go type',
  'volumeCreate:ClusterVolumeSpec.AccessMode.AccessibilityRequirements': 'a field of ClusterVolumeSpec in the Go type',
  'volumeCreate:ClusterVolumeSpec.AccessMode.CapacityRange': 'a field of ClusterVolumeSpec in the Go type',
  'volumeCreate:ClusterVolumeSpec.AccessMode.Availability': 'a field of ClusterVolumeSpec in the Go type',
  'volumeCreate:ClusterVolumeSpec.AccessMode.MountVolume': 'an object with FsType and MountFlags in the Go type',
};

/** The DTO kind the spec's shape corresponds to; a DTO may be broader where the Go type is (StrSlice). */
function specKind(shape: SpecShape): string {
  if (shape.t !== 'array' && shape.t !== 'object') return shape.t;
  if (shape.t === 'array') {
    const items = shape.items;
    if (items.t === 'object') return 'object[]';
    if (items.t === 'array') return `${specKind(items.items)}[][]`;
    return `${items.t}[]`;
  }
  if (Object.keys(shape.props).length > 0) return 'object';
  if (!shape.map) return '{}';
  const value = shape.map;
  if (value.t === 'object') return Object.keys(value.props).length === 0 && !value.map ? 'map<{}>' : 'map<object>';
  if (value.t === 'array') return `map<${specKind(value) === 'object[]' ? 'object[]' : specKind(value)}>`;
  return `map<${value.t}>`;
}

const SAME_KIND: Record<string, readonly ShapeKind[]> = {
  'string[]': ['string[]', 'string|string[]'],
  'integer[]': ['integer[2]'],
};

function nestedSpec(shape: SpecShape): SpecShape | undefined {
  if (shape.t === 'array') return shape.items.t === 'object' ? shape.items : undefined;
  if (shape.t !== 'object') return undefined;
  if (Object.keys(shape.props).length > 0) return shape;
  const value = shape.map;
  if (value?.t === 'array') return value.items;
  return value?.t === 'object' ? value : undefined;
}

interface Comparison {
  missing: string[];
  extra: string[];
  kinds: string[];
}

function compare(kind: string, cls: DtoClass, spec: SpecShape, path: string, out: Comparison): void {
  const props = spec.t === 'object' ? spec.props : {};
  const fields = dtoFieldNames(cls);
  for (const name of Object.keys(props)) {
    const at = `${kind}:${path}${name}`;
    if (SHAPED_OTHERWISE[at]) continue;
    const dto = shapeOf(cls, name);
    if (!dto) {
      out.missing.push(at);
      continue;
    }
    const expected = specKind(props[name]);
    if (dto.kind !== expected && !(SAME_KIND[expected] ?? []).includes(dto.kind)) out.kinds.push(`${at}: spec ${expected}, DTO ${dto.kind}`);
    const inner = nestedSpec(props[name]);
    if (dto.nested && inner) compare(kind, dto.nested, inner, `${path}${name}.`, out);
  }
  for (const name of fields) {
    const at = `${kind}:${path}${name}`;
    if (name in props) continue;
    if (!NOT_IN_SPECS_1_41_TO_1_52[at]) out.extra.push(at);
  }
}

const KINDS = Object.keys(SPEC).map((kind) => [kind] as const);

describe('the DTOs against the Docker API specs v1.41–v1.52', () => {
  it('reads the union of the specs v1.41 to v1.52', () => {
    expect(generated.generatedFrom[0]).toBe('v1.41.yaml');
    expect(generated.generatedFrom[generated.generatedFrom.length - 1]).toBe('v1.52.yaml');
    expect(Object.keys(SPEC).sort()).toEqual(Object.keys(BODY_DTOS).sort());
  });

  it.each(KINDS)('%s: every field of the specs is a DTO field of the same JSON shape, and the DTO has no other', (kind) => {
    const out: Comparison = { missing: [], extra: [], kinds: [] };
    compare(kind, BODY_DTOS[kind as keyof typeof BODY_DTOS], SPEC[kind], '', out);
    expect(out).toEqual({ missing: [], extra: [], kinds: [] });
  });

  it.each(Object.entries({ ...NOT_IN_SPECS_1_41_TO_1_52, ...SHAPED_OTHERWISE }))('the exception %s is still needed (%s)', (at) => {
    const [kind, path] = at.split(':');
    const names = path.split('.');
    let spec: SpecShape | undefined = SPEC[kind];
    for (const name of names) spec = spec && spec.t === 'object' ? (spec.props[name] ?? undefined) : undefined;
    if (NOT_IN_SPECS_1_41_TO_1_52[at]) expect(spec).toBeUndefined();
    else expect(spec).toBeDefined();
  });
});
