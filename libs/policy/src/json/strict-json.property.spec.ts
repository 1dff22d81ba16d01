import fc, { JsonValue } from 'fast-check';
import { goFoldKey, parseStrictJson, StrictJsonError } from './strict-json.parser';

type Json = JsonValue;
type JsonObject = { [key: string]: Json };

const isObject = (value: Json): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value);

function objectsIn(value: Json, found: JsonObject[] = []): JsonObject[] {
  if (Array.isArray(value)) value.forEach((item) => objectsIn(item, found));
  else if (isObject(value)) {
    if (Object.keys(value).length > 0) found.push(value);
    Object.values(value).forEach((item) => objectsIn(item, found));
  }
  return found;
}

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

// What the parser must refuse anyway: keys that fold alike, prototype keys.
function isAmbiguous(value: Json): boolean {
  return objectsIn(value).some((object) => {
    const keys = Object.keys(object);
    return new Set(keys.map(goFoldKey)).size < keys.length || keys.some((key) => PROTOTYPE_KEYS.includes(key));
  });
}

// Each character's spellings that Go's decoder reads as the same key, from
// Unicode's fold classes (not from the code under test). Case flips of every
// ASCII letter, the long s, the Kelvin sign, and a few non-ASCII orbits.
const ORBITS = [
  ...'abcdefghijlmnopqrtuvwxyz'.split('').map((letter) => [letter.toUpperCase(), letter]),
  ['K', 'k', '\u212a'],
  ['S', 's', '\u017f'],
  ['\u03a1', '\u03c1', '\u03f1'],
  ['\u00b5', '\u039c', '\u03bc'],
  ['\u0398', '\u03b8', '\u03d1', '\u03f4'],
  ['\u00df', '\u1e9e'],
];
const SPELLINGS = new Map(ORBITS.flatMap((orbit) => orbit.map((member) => [member, orbit] as const)));

function respell(key: string, choices: readonly number[]): string {
  return [...key]
    .map((char, i) => {
      const orbit = SPELLINGS.get(char);
      return orbit === undefined ? char : orbit[(choices[i % choices.length] ?? 0) % orbit.length];
    })
    .join('');
}

// Serialises like JSON.stringify, inserting one more member into `target`.
function serialiseWith(value: Json, target: JsonObject, member: string, at: number): string {
  if (Array.isArray(value)) return `[${value.map((item) => serialiseWith(item, target, member, at)).join(',')}]`;
  if (!isObject(value)) return JSON.stringify(value);
  const members = Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}:${serialiseWith(item, target, member, at)}`);
  if (value === target) members.splice(at % (members.length + 1), 0, member);
  return `{${members.join(',')}}`;
}

const letters = [...SPELLINGS.keys(), '_', '.', '-', '0', 'é'];
const dockerishKey = fc.string({ unit: fc.constantFrom(...letters), minLength: 1, maxLength: 12 });
const dockerishObject = fc
  .uniqueArray(fc.tuple(dockerishKey, fc.jsonValue({ maxDepth: 2 })), { minLength: 1, maxLength: 8, selector: ([key]) => respell(key, [0]) })
  .map((entries): Json => Object.fromEntries(entries));
const anyDocument = fc.oneof(
  fc.jsonValue({ maxDepth: 5 }),
  fc.jsonValue({ maxDepth: 5, stringUnit: 'grapheme' }),
  fc.jsonValue({ maxDepth: 5, stringUnit: 'binary' }),
  dockerishObject,
  fc.array(dockerishObject, { maxLength: 3 }).map((items): Json => ({ HostConfig: { Mounts: items } })),
);

const expectOnlyStrictJsonErrors = (input: Buffer | string, asText: string): void => {
  let value: unknown;
  try {
    value = parseStrictJson(input);
  } catch (error) {
    expect(error).toBeInstanceOf(StrictJsonError);
    return;
  }
  // Whatever is accepted is a JSON document, read exactly as JSON.parse reads it.
  expect(value).toEqual(JSON.parse(asText));
};

describe('parseStrictJson properties', () => {
  it('reads every unambiguous JSON document exactly as JSON.parse does', () => {
    fc.assert(
      fc.property(anyDocument, fc.constantFrom(undefined, 1, 2, '\t'), (value, indent) => {
        fc.pre(!isAmbiguous(value));
        const text = JSON.stringify(value, null, indent);
        expect(parseStrictJson(Buffer.from(text))).toEqual(JSON.parse(text));
        expect(parseStrictJson(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a document once any key is repeated in another spelling Go folds alike, anywhere in its object', () => {
    fc.assert(
      fc.property(
        anyDocument,
        fc.nat(),
        fc.nat(),
        fc.array(fc.nat(), { minLength: 1, maxLength: 16 }),
        fc.nat(),
        fc.jsonValue({ maxDepth: 2 }),
        (document, objectChoice, keyChoice, spellingChoices, at, extra) => {
          const root = objectsIn(document).length > 0 ? document : { Config: document };
          fc.pre(!isAmbiguous(root) && !isAmbiguous(extra));
          const objects = objectsIn(root);
          const target = objects[objectChoice % objects.length];
          const keys = Object.keys(target);
          const original = keys[keyChoice % keys.length];
          const variant = respell(original, spellingChoices);
          fc.pre(!PROTOTYPE_KEYS.includes(variant));
          const text = serialiseWith(root, target, `${JSON.stringify(variant)}:${JSON.stringify(extra)}`, at);
          let refused: unknown;
          try {
            parseStrictJson(Buffer.from(text));
          } catch (error) {
            refused = error;
          }
          expect(refused).toBeInstanceOf(StrictJsonError);
          expect((refused as StrictJsonError).reason).toMatch(/^duplicate key/);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws anything but StrictJsonError on arbitrary text', () => {
    const anyUnit = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) }),
      fc.string({ unit: fc.constantFrom(...'{}[]":,\\ /tfnrue0123456789.eE+-\u017f\u212a\ud800\udc00\ufeff'.split('')) }),
    );
    fc.assert(
      fc.property(anyUnit, (text) => expectOnlyStrictJsonErrors(text, text)),
      { numRuns: 1000 },
    );
  });

  it('never throws anything but StrictJsonError on mutations of valid JSON', () => {
    const edit = fc.record({
      at: fc.nat(),
      remove: fc.nat({ max: 3 }),
      insert: fc.oneof(
        fc.string({ unit: 'binary', maxLength: 3 }),
        fc.constantFrom('\\', '"', '\\u', '\\ud800', '\ud800', '{', '}', '[', ']', ',', ':', '-', 'e', '\u017f', '\u212a', '\ufeff'),
      ),
    });
    fc.assert(
      fc.property(anyDocument, fc.array(edit, { minLength: 1, maxLength: 4 }), (value, edits) => {
        let text = JSON.stringify(value);
        for (const { at, remove, insert } of edits) {
          const position = at % (text.length + 1);
          text = text.slice(0, position) + insert + text.slice(position + remove);
        }
        expectOnlyStrictJsonErrors(text, text);
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws anything but StrictJsonError on arbitrary or corrupted bytes', () => {
    const corrupted = fc
      .tuple(anyDocument, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
      .map(([value, flips]) => {
        const body = Buffer.from(JSON.stringify(value));
        for (const [at, byte] of flips) if (body.length > 0) body[at % body.length] = byte;
        return body;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }).map((array) => Buffer.from(array)), corrupted), (body) =>
        expectOnlyStrictJsonErrors(body, body.toString('utf8')),
      ),
      { numRuns: 1000 },
    );
  });
});
