import fc from 'fast-check';
import { goFoldKey, parseStrictJson, StrictJsonError } from './strict-json.parser';

const refusal = (input: string | Buffer): string => {
  try {
    parseStrictJson(input);
  } catch (error) {
    if (error instanceof StrictJsonError) return error.message;
    throw error;
  }
  return 'accepted';
};

describe('parseStrictJson', () => {
  it.each([
    '{}',
    '[]',
    '{"Image":"busybox","Cmd":["sh","-c","echo \\"hi\\""],"Tty":false,"Memory":67108864,"X":null}',
    ' \n\t{ "a" : [ 1 , -2.5e3 , 0 , true , false , null , {} ] } \r\n',
    '"\\u00e9\\ud83d\\ude00\\n\\/"',
    '{"Labels":{"é":"1","e":"2"}}',
  ])('reads %s exactly as JSON.parse does', (text) => {
    expect(parseStrictJson(Buffer.from(text))).toEqual(JSON.parse(text));
  });

  it.each([
    ['a duplicate key', '{"Privileged":false,"Privileged":true}', /HostConfig|Privileged: duplicate key "Privileged"/],
    ['a duplicate key in another case', '{"Privileged":false,"privileged":true}', /same key to the Docker daemon/],
    ['a duplicate key spelled with an escape', '{"Privileged":false,"Privil\\u0065ged":true}', /duplicate key/],
    ['a long s (U+017F) standing for s', '{"UsernsMode":"","Usern\u017fMode":"host"}', /same key/],
    ['a Kelvin sign (U+212A) standing for k', '{"KernelMemory":1,"\u212aernelMemory":2}', /same key/],
    ['a dotted capital I (U+0130) standing for i', '{"Init":false,"\u0130nit":true}', /same key/],
    ['a dotless i (U+0131) standing for i', '{"Init":false,"\u0131nit":true}', /same key/],
    ['a nested duplicate', '{"HostConfig":{"Binds":[],"BINDS":["/:/h"]}}', /HostConfig.BINDS/],
    ['a duplicate inside an array element', '[{"a":1,"A":2}]', /\(body\)\[0\]/],
    ['a prototype key', '{"__proto__":{"Privileged":true}}', /not allowed/],
    ['trailing data', '{} {}', /after the JSON value/],
    ['an empty body', '', /empty/],
    ['a lone surrogate escape', '{"a":"\\ud800"}', /surrogate/],
    ['an unescaped control character', '{"a":"\u0001"}', /control/],
    ['a single-quoted string', "{'a':1}", /quoted/],
    ['a trailing comma', '{"a":1,}', /quoted/],
    ['a leading plus', '{"a":+1}', /unexpected/],
    ['NaN', '{"a":NaN}', /unexpected/],
    ['a huge number', '{"a":1e400}', /out of range/],
    ['deep nesting', '['.repeat(65) + ']'.repeat(65), /nesting/],
  ])('refuses %s', (_name, text, message) => {
    expect(refusal(Buffer.from(text))).toMatch(message);
  });

  it('refuses invalid UTF-8 and a byte order mark', () => {
    expect(refusal(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toMatch(/UTF-8/);
    expect(refusal(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{}')]))).toMatch(/byte order mark/);
  });

  it('parses a 5 MB document quickly', () => {
    const big = JSON.stringify({ Env: Array.from({ length: 100_000 }, (_, i) => `VARIABLE_${i}=${'x'.repeat(30)}`) });
    const started = Date.now();
    expect((parseStrictJson(Buffer.from(big)) as { Env: string[] }).Env).toHaveLength(100_000);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('goFoldKey', () => {
  it.each([
    ['Privileged', 'PRIVILEGED'],
    ['privileged', 'PRIVILEGED'],
    ['Usern\u017fMode', 'USERNSMODE'],
    ['\u212aernel', 'KERNEL'],
    ['\u0130nit', 'INIT'],
    ['stra\u00dfe', 'STRA\u00dfE'],
  ])('folds %s to %s', (key, folded) => {
    expect(goFoldKey(key)).toBe(folded);
  });
});

// Variants of a key that Go's decoder reads as the same key.
const foldVariant = (key: string) =>
  fc.array(fc.boolean(), { minLength: key.length, maxLength: key.length }).map((flips) =>
    [...key]
      .map((char, i) => {
        if (!flips[i]) return char;
        if (char === 's' || char === 'S') return '\u017f';
        if (char === 'k' || char === 'K') return '\u212a';
        return char === char.toLowerCase() ? char.toUpperCase() : char.toLowerCase();
      })
      .join(''),
  );

describe('properties', () => {
  const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,12}$/);

  it('any JSON document without fold-duplicates parses as JSON.parse reads it', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        let duplicates = false;
        JSON.parse(text, function (this: object) {
          const keys = Object.keys(this);
          const folded = keys.map(goFoldKey);
          if (new Set(folded).size !== folded.length || keys.some((k) => ['__proto__', 'constructor', 'prototype'].includes(k))) duplicates = true;
          return arguments[1];
        });
        fc.pre(!duplicates);
        expect(parseStrictJson(Buffer.from(text))).toEqual(JSON.parse(text));
      }),
    );
  });

  it('adding a Go fold-variant of any key, at any depth, makes the document refused', () => {
    fc.assert(
      fc.property(
        fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { minKeys: 1 }).chain((object) => {
          const keys = Object.keys(object);
          return fc.tuple(fc.constant(object), fc.constantFrom(...keys)).chain(([o, target]) =>
            fc.tuple(fc.constant(o), fc.constant(target), foldVariant(target), fc.nat(3), fc.jsonValue({ maxDepth: 1 })),
          );
        }),
        ([object, target, variant, depth, extra]) => {
          fc.pre(!Object.keys(object).some((k) => ['constructor', 'prototype'].includes(k)));
          const members = Object.entries(object).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
          members.push(`${JSON.stringify(variant)}:${JSON.stringify(extra)}`);
          let text = `{${members.join(',')}}`;
          for (let i = 0; i < depth; i++) text = `{"HostConfig":${text}}`;
          expect(target).toBeDefined();
          expect(() => parseStrictJson(Buffer.from(text))).toThrow(StrictJsonError);
        },
      ),
    );
  });

  it('never throws anything but StrictJsonError, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          parseStrictJson(Buffer.from(bytes));
        } catch (error) {
          expect(error).toBeInstanceOf(StrictJsonError);
        }
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), fc.string({ unit: 'grapheme', maxLength: 3 }), (value, at, insert) => {
        const text = JSON.stringify(value);
        const position = at % (text.length + 1);
        try {
          parseStrictJson(text.slice(0, position) + insert + text.slice(position));
        } catch (error) {
          expect(error).toBeInstanceOf(StrictJsonError);
        }
      }),
    );
  });
});
