import 'reflect-metadata';
import { Transform, Type, plainToInstance } from 'class-transformer';
import { IsOptional, ValidateBy, ValidateNested, validateSync } from 'class-validator';
import { SHAPE_VALIDATOR_OPTIONS, ShapeFinding, joinPath, keySegment, rememberFindings, violationsOf } from './shape-violations';

/**
 * Property decorators for the JSON shapes of the Docker Engine API. Each one
 * makes its field optional (absent or `null`: Go decodes `null` into a fresh
 * struct as the zero value, the same as an absent field), checks the JSON type,
 * and records the shape so a spec can compare the DTOs with the API specs.
 *
 * `null` is accepted for a field, never for an element of a list or a value of
 * a map (except where the spec says so): Go decodes `[null]` as `[""]` and
 * `{"k":null}` as `{"k":""}`, which is not the same as leaving them out.
 */

export type DtoClass<T extends object = object> = new () => T;

/** The JSON shape of a DTO property, as the coverage spec compares it with the API specs. */
export type ShapeKind =
  | 'string'
  | 'boolean'
  | 'integer'
  | 'string[]'
  | 'string|string[]'
  | 'integer[2]'
  | 'string[][]'
  | 'map<string>'
  | 'map<{}>'
  | '{}'
  | 'object'
  | 'object[]'
  | 'map<object>'
  | 'map<object[]>';

const SHAPE_KIND = 'dind:shape-kind';
const NESTED_TYPE = 'dind:nested-type';

export function applyDecorators(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => {
    for (const decorator of decorators) decorator(target, key);
  };
}

/** The recorded shape of `cls`'s property `key` (inherited properties included). */
export function shapeOf(cls: Function, key: string): { kind: ShapeKind; nested?: DtoClass } | undefined {
  const kind = Reflect.getMetadata(SHAPE_KIND, cls.prototype, key) as ShapeKind | undefined;
  const nested = Reflect.getMetadata(NESTED_TYPE, cls.prototype, key) as (() => DtoClass) | undefined;
  return kind && { kind, nested: nested?.() };
}

type Check = (value: unknown) => ShapeFinding[];

function DockerShape(kind: ShapeKind, check: Check, nested?: () => DtoClass): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    (target, key) => Reflect.defineMetadata(SHAPE_KIND, kind, target, key),
    (target, key) => nested && Reflect.defineMetadata(NESTED_TYPE, nested, target, key),
    ValidateBy({
      name: 'dockerShape',
      validator: {
        validate: (value, args) => {
          const found = check(value);
          if (args && typeof args.object === 'object') rememberFindings(args.object, args.property, found);
          return found.length === 0;
        },
        defaultMessage: () => `must be ${kind}`,
      },
    }),
  );
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return `the ${typeof value} ${String(value)}`;
}

const wrong = (expected: string, value: unknown, at = ''): ShapeFinding[] => [{ at, value, reason: `must be ${expected}, not ${jsonType(value)}` }];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const checkString: Check = (value) => (typeof value === 'string' ? [] : wrong('a string', value));

function checkEach(value: unknown, expected: string, item: (element: unknown, at: string) => ShapeFinding[]): ShapeFinding[] {
  if (!Array.isArray(value)) return wrong(expected, value);
  return value.flatMap((element, index) => item(element, `[${index}]`));
}

function checkEntries(value: unknown, expected: string, entry: (entryValue: unknown, at: string) => ShapeFinding[]): ShapeFinding[] {
  if (!isObject(value)) return wrong(expected, value);
  return Object.keys(value).flatMap((key) => entry(value[key], keySegment(key)));
}

const stringAt = (element: unknown, at: string) => (typeof element === 'string' ? [] : wrong('a string', element, at));

/**
 * A copy of a map made by us rather than by class-transformer, which silently
 * drops keys named like Object.prototype members ('toString', 'valueOf', …):
 * in a map they are ordinary keys (a label may be called that) and must reach
 * the daemon. defineProperty keeps any key an own property.
 */
function ownCopy(value: unknown, mapValue: (entry: unknown) => unknown = (entry) => entry): unknown {
  if (!isObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(copy, key, { value: mapValue(value[key]), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

const RawCopy = (mapValue?: (entry: unknown) => unknown) =>
  Transform(({ obj, key }) => ownCopy((obj as Record<string, unknown>)[key], mapValue), { toClassOnly: true });

export const DockerString = (): PropertyDecorator => DockerShape('string', checkString);

export const DockerBool = (): PropertyDecorator =>
  DockerShape('boolean', (value) => (typeof value === 'boolean' ? [] : wrong('a boolean (true or false)', value)));

/**
 * An integer field. Beyond ±(2^53−1) JSON.parse has already rounded the number,
 * so the body we would forward is not the one the client sent: refused.
 * `min`/`max` are only the limits of the Go type (uint16, uint64, …), never policy.
 */
export function DockerInt(range: { min?: number; max?: number; go?: string } = {}): PropertyDecorator {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER, go = 'int64' } = range;
  const expected = `an integer (${go}${range.min === undefined && range.max === undefined ? '' : `, ${min} to ${max === Number.MAX_SAFE_INTEGER ? '2^53−1' : max}`})`;
  return DockerShape('integer', (value) => {
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      return [{ at: '', value, reason: 'must be an integer within ±(2^53−1): a larger number cannot be forwarded exactly as sent' }];
    }
    return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max ? [] : wrong(expected, value);
  });
}

/** A string the spec restricts to `values` (plus '' where Docker reads the empty string as its default). */
export function DockerEnum(values: readonly string[]): PropertyDecorator {
  const expected = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  return DockerShape('string', (value) => (typeof value === 'string' && values.includes(value) ? [] : wrong(expected, value)));
}

export const DockerStringList = (): PropertyDecorator => DockerShape('string[]', (value) => checkEach(value, 'a list of strings', stringAt));

/** Go's strslice.StrSlice (Cmd, Entrypoint): a list of strings, or one string meaning a list of one. */
export const DockerStrSlice = (): PropertyDecorator =>
  DockerShape('string|string[]', (value) => (typeof value === 'string' ? [] : checkEach(value, 'a string or a list of strings', stringAt)));

/** ConsoleSize: Go's [2]uint, `[height, width]`. */
export const DockerUintPair = (): PropertyDecorator =>
  DockerShape('integer[2]', (value) =>
    Array.isArray(value) && value.length === 2 && value.every((n) => Number.isSafeInteger(n) && n >= 0)
      ? []
      : wrong('a list of two non-negative integers [height, width]', value),
  );

/** A list of lists of strings, each inner list of `length.min`..`length.max` items when given. */
export function DockerStringListList(length: { min: number; max: number } = { min: 0, max: Infinity }): PropertyDecorator {
  const inner = length.max === Infinity ? 'a list of strings' : `a list of ${length.min} to ${length.max} strings`;
  return DockerShape('string[][]', (value) =>
    checkEach(value, 'a list of lists of strings', (element, at) => {
      if (Array.isArray(element) && (element.length < length.min || element.length > length.max)) return wrong(inner, element, at);
      return checkEach(element, inner, (item, itemAt) => stringAt(item, `${at}${itemAt}`)).map((f) => (f.at === '' ? { ...f, at } : f));
    }),
  );
}

/** A map of string to string (Labels, Options, Sysctls, …). */
export const DockerStringMap = (): PropertyDecorator =>
  applyDecorators(RawCopy(), DockerShape('map<string>', (value) => checkEntries(value, 'an object of string values', stringAt)));

function emptyObjectAt(entry: unknown, at: string): ShapeFinding[] {
  if (!isObject(entry)) return wrong('{}', entry, at);
  const keys = Object.keys(entry);
  return keys.length === 0 ? [] : [{ at, value: entry, reason: `must be {} (an empty object), not an object with the key ${JSON.stringify(keys[0])}` }];
}

/** A set spelled as a map whose values are `{}` (ExposedPorts, Volumes). */
export const DockerEmptyObjectMap = (): PropertyDecorator =>
  applyDecorators(
    RawCopy((entry) => ownCopy(entry)),
    DockerShape('map<{}>', (value) => checkEntries(value, 'an object whose values are {}', emptyObjectAt)),
  );

/** An empty struct (`{}`), such as a cluster volume's BlockVolume. */
export const DockerEmptyObject = (): PropertyDecorator => applyDecorators(RawCopy(), DockerShape('{}', (value) => emptyObjectAt(value, '')));

/** A nested object of a known type: its own fields are validated with the same whitelist. */
export const DockerNested = (type: () => DtoClass): PropertyDecorator =>
  applyDecorators(
    Type(type),
    ValidateNested(),
    DockerShape('object', (value) => (isObject(value) ? [] : wrong('an object', value)), type),
  );

/** A list of objects of a known type (Mounts, Devices, Ulimits, …). */
export const DockerNestedList = (type: () => DtoClass): PropertyDecorator =>
  applyDecorators(
    Type(type),
    ValidateNested(),
    DockerShape('object[]', (value) => checkEach(value, 'a list of objects', (element, at) => (isObject(element) ? [] : wrong('an object', element, at))), type),
  );

/** Validates a map value that class-transformer left to us, with the same options as the body. */
function nestedFindings(instance: object, at: string): ShapeFinding[] {
  return violationsOf(validateSync(instance, SHAPE_VALIDATOR_OPTIONS)).map((v) => ({
    at: joinPath(at, v.field === '(body)' ? '' : v.field),
    value: v.value,
    reason: v.reason,
  }));
}

/**
 * A map whose values are objects of a known type (EndpointsConfig), or lists of
 * them (`list`: PortBindings), whose values may be `null` where the spec says
 * so (`nullable`). The map stays a plain object in the DTO and in the canonical
 * body; each value becomes an instance of `type` and is validated like a body,
 * so an unknown key inside a map value is refused too.
 */
export function DockerMapOf(type: () => DtoClass, options: { list?: boolean; nullable?: boolean } = {}): PropertyDecorator {
  const toInstance = (element: unknown) => (isObject(element) ? plainToInstance(type(), element) : element);
  const entryValue = (entry: unknown) => (options.list ? (Array.isArray(entry) ? entry.map(toInstance) : entry) : toInstance(entry));
  const checkObject = (element: unknown, at: string) => (isObject(element) ? nestedFindings(element, at) : wrong('an object', element, at));
  const checkList = (entry: unknown, at: string) =>
    checkEach(entry, 'a list of objects', (element, index) => checkObject(element, `${at}${index}`)).map((f) => (f.at === '' ? { ...f, at } : f));
  const check: Check = (value) =>
    checkEntries(value, options.list ? 'an object whose values are lists of objects' : 'an object whose values are objects', (entry, at) => {
      if (entry === null && options.nullable) return [];
      return options.list ? checkList(entry, at) : checkObject(entry, at);
    });
  return applyDecorators(RawCopy(entryValue), DockerShape(options.list ? 'map<object[]>' : 'map<object>', check, type));
}
