import {
  DockerBool,
  DockerEmptyObject,
  DockerEmptyObjectMap,
  DockerEnum,
  DockerInt,
  DockerMapOf,
  DockerNested,
  DockerNestedList,
  DockerStrSlice,
  DockerString,
  DockerStringList,
  DockerStringListList,
  DockerStringMap,
  DockerUintPair,
} from './docker-validation.decorators';
import { toCanonicalPlain, validateDto } from './validate-dto';

class Inner {
  @DockerString() Name?: string | null;
}

class Probe {
  @DockerString() Str?: unknown;
  @DockerBool() Bool?: unknown;
  @DockerInt() Int?: unknown;
  @DockerInt({ min: 0, max: 65535, go: 'uint16' }) Uint16?: unknown;
  @DockerEnum(['', 'private', 'host']) Enum?: unknown;
  @DockerStringList() List?: unknown;
  @DockerStrSlice() StrSlice?: unknown;
  @DockerUintPair() Pair?: unknown;
  @DockerStringListList({ min: 1, max: 2 }) ListList?: unknown;
  @DockerStringMap() Map?: unknown;
  @DockerEmptyObjectMap() Set?: unknown;
  @DockerEmptyObject() Empty?: unknown;
  @DockerNested(() => Inner) Nested?: unknown;
  @DockerNestedList(() => Inner) NestedList?: unknown;
  @DockerMapOf(() => Inner) MapOf?: unknown;
  @DockerMapOf(() => Inner, { list: true, nullable: true }) MapOfLists?: unknown;
}

type Field = keyof Probe;

// [field, value]: every decorator accepts null (an absent field) and its JSON type.
const ACCEPTED: Array<[Field, unknown]> = [
  ...(['Str', 'Bool', 'Int', 'Enum', 'List', 'StrSlice', 'Pair', 'Map', 'Set', 'Empty', 'Nested', 'NestedList', 'MapOf', 'MapOfLists'] as Field[]).map(
    (field): [Field, unknown] => [field, null],
  ),
  ['Str', ''],
  ['Bool', false],
  ['Int', -9007199254740991],
  ['Int', 9007199254740991],
  ['Uint16', 65535],
  ['Enum', ''],
  ['Enum', 'host'],
  ['List', []],
  ['List', ['a', '']],
  ['StrSlice', 'sh -c true'],
  ['StrSlice', ['sh', '-c', 'true']],
  ['Pair', [0, 0]],
  ['ListList', [['a'], ['a', 'b']]],
  ['Map', {}],
  ['Map', { 'a.b/c': '', x: 'y' }],
  ['Set', { '80/tcp': {} }],
  ['Empty', {}],
  ['Nested', { Name: 'x' }],
  ['Nested', {}],
  ['NestedList', [{ Name: 'x' }, {}]],
  ['MapOf', { a: { Name: 'x' }, 'b.c': {} }],
  ['MapOfLists', { a: [{ Name: 'x' }], b: [], c: null }],
];

// [field, value, path of the violation, reason]
const REFUSED: Array<[Field, unknown, string, RegExp]> = [
  ['Str', 1, 'Str', /must be a string, not the number 1/],
  ['Bool', 'true', 'Bool', /must be a boolean \(true or false\), not the string "true"/],
  ['Bool', 0, 'Bool', /must be a boolean/],
  ['Int', 1.5, 'Int', /must be an integer \(int64\), not the number 1.5/],
  ['Int', '1', 'Int', /must be an integer/],
  ['Int', 9007199254740992, 'Int', /±\(2\^53−1\)/],
  ['Uint16', -1, 'Uint16', /uint16, 0 to 65535/],
  ['Uint16', 65536, 'Uint16', /uint16/],
  ['Enum', 'Host', 'Enum', /must be one of "", "private", "host"/],
  ['Enum', 1, 'Enum', /must be one of/],
  ['List', 'a', 'List', /must be a list of strings/],
  ['List', ['a', 1], 'List[1]', /must be a string, not the number 1/],
  ['List', [null], 'List[0]', /must be a string, not null/],
  ['StrSlice', 1, 'StrSlice', /must be a string or a list of strings/],
  ['StrSlice', ['a', {}], 'StrSlice[1]', /must be a string/],
  ['Pair', [1], 'Pair', /two non-negative integers/],
  ['Pair', [1, -1], 'Pair', /two non-negative integers/],
  ['Pair', [1, 2.5], 'Pair', /two non-negative integers/],
  ['ListList', ['a'], 'ListList[0]', /must be a list of 1 to 2 strings/],
  ['ListList', [[]], 'ListList[0]', /1 to 2 strings/],
  ['ListList', [['a', 'b', 'c']], 'ListList[0]', /1 to 2 strings/],
  ['ListList', [['a', 1]], 'ListList[0][1]', /must be a string/],
  ['Map', [], 'Map', /must be an object of string values/],
  ['Map', 'a=b', 'Map', /must be an object of string values/],
  ['Map', { a: 1 }, 'Map.a', /must be a string/],
  ['Map', { 'a.b': null }, 'Map["a.b"]', /must be a string, not null/],
  ['Set', { '80/tcp': null }, 'Set["80/tcp"]', /must be \{\}/],
  ['Set', { '80/tcp': { a: 1 } }, 'Set["80/tcp"]', /must be \{\} \(an empty object\)/],
  ['Set', ['80/tcp'], 'Set', /must be an object whose values are \{\}/],
  ['Empty', { a: 1 }, 'Empty', /must be \{\}/],
  ['Nested', 'x', 'Nested', /must be an object, not the string "x"/],
  ['Nested', [], 'Nested', /must be an object, not a list/],
  ['Nested', { name: 'x' }, 'Nested.name', /^unknown field/],
  ['Nested', { Name: 1 }, 'Nested.Name', /must be a string/],
  ['NestedList', {}, 'NestedList', /must be a list of objects/],
  ['NestedList', [null], 'NestedList[0]', /must be an object, not null/],
  ['NestedList', [{ Name: 'x' }, { Nom: 'y' }], 'NestedList[1].Nom', /^unknown field/],
  ['MapOf', [], 'MapOf', /must be an object whose values are objects/],
  ['MapOf', { a: null }, 'MapOf.a', /must be an object, not null/],
  ['MapOf', { a: [] }, 'MapOf.a', /must be an object, not a list/],
  ['MapOf', { a: { name: 'x' } }, 'MapOf.a.name', /^unknown field/],
  ['MapOf', { 'a.b': { Name: 2 } }, 'MapOf["a.b"].Name', /must be a string/],
  ['MapOfLists', { a: {} }, 'MapOfLists.a', /must be a list of objects/],
  ['MapOfLists', { a: ['x'] }, 'MapOfLists.a[0]', /must be an object/],
  ['MapOfLists', { a: [{}, { X: 1 }] }, 'MapOfLists.a[1].X', /^unknown field/],
];

describe('Docker shape decorators', () => {
  it.each(ACCEPTED)('%s accepts %j and keeps it as sent', (field, value) => {
    const result = validateDto(Probe, { [field]: value });
    expect(result).toEqual({ ok: true, value: expect.any(Probe) });
    if (result.ok) expect(toCanonicalPlain(result.value)).toStrictEqual({ [field]: value });
  });

  it.each(REFUSED)('%s refuses %j, naming %s', (field, value, path, reason) => {
    const result = validateDto(Probe, { [field]: value });
    expect(result).toEqual({ ok: false, violations: [expect.objectContaining({ field: path, reason: expect.stringMatching(reason) })] });
  });
});
