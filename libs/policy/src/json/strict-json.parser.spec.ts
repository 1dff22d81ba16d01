import { plainToInstance } from 'class-transformer';
import { goFoldKey, parseStrictJson, StrictJsonError, StrictJsonOptions } from './strict-json.parser';

function refusal(input: Buffer | string, options?: StrictJsonOptions): StrictJsonError {
  try {
    parseStrictJson(input, options);
  } catch (error) {
    if (error instanceof StrictJsonError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(String(input))}`);
}

const bytes = (...values: number[]): Buffer => Buffer.from(values);
const nested = (open: string, close: string, levels: number, inner = ''): string => open.repeat(levels) + inner + close.repeat(levels);
const path64 = `(body)${'[0]'.repeat(64)}`;

describe('parseStrictJson', () => {
  it.each([
    ['an empty object', '{}'],
    ['an empty array', '[]'],
    ['scalars at the top level', 'null'],
    ['a string at the top level', '"busybox"'],
    ['a container create body', '{"Image":"busybox","Cmd":["sh","-c","echo \\"hi\\""],"Tty":false,"Memory":67108864,"Env":null,"HostConfig":{"Binds":["/data:/data:ro"],"Privileged":false}}'],
    ['numbers in every JSON form', '[0,-0,1,-1,1.5,-0.25,1e3,1E3,1e+3,1e-3,0e0,12345678901234567890,1.7976931348623157e308,5e-324,1e-400]'],
    ['all four JSON whitespace characters around every token', ' \t\n\r{ \t\n\r"a" \t\n\r: \t\n\r[ \t1 ,\n2\r] \t\n\r, "b":{ } } \r\n'],
    ['no whitespace at all', '{"a":[1,{"b":null}],"c":true}'],
    ['every escape in a string', '"\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041 \\u00e9 \\u2028 \\ud83d\\ude00 \\u0000"'],
    ['raw non-ASCII text', '{"Labels":{"ключ":"значение 😀","é":"1","e":"2"}}'],
    ['U+2028 and U+2029 raw inside strings', '["\u2028\u2029"]'],
    ['keys that differ other than by case', '{"Bind":[],"Binds":[],"Mounts":[]}'],
    ['the same key in different objects', '{"HostConfig":{"Privileged":false},"Other":{"Privileged":true}}'],
    ['İ and ı beside i, which Go does not fold together', '{"Init":1,"\u0130nit":2,"\u0131nit":3}'],
    ['ß beside ss, which simple folding keeps apart', '{"stra\u00dfe":1,"strasse":2}'],
    ['an empty key', '{"":1}'],
    ['keys named like Object.prototype members', '{"toString":1,"hasOwnProperty":2,"valueOf":{"x":1},"__defineSetter__":3}'],
    ['arrays nested exactly to the limit', nested('[', ']', 64)],
    ['objects nested exactly to the limit', nested('{"a":', '}', 64, '1')],
  ])('accepts %s, read exactly as JSON.parse reads it', (_rule, text) => {
    expect(parseStrictJson(Buffer.from(text))).toEqual(JSON.parse(text));
    expect(parseStrictJson(text)).toEqual(JSON.parse(text));
  });

  it.each([
    // Go matches keys to fields case-insensitively and the last one wins.
    ['the same key twice', '{"Privileged":false,"Privileged":true}', 'Privileged', /^duplicate key "Privileged"$/],
    ['a key again in lower case', '{"Privileged":false,"privileged":true}', 'privileged', /"Privileged" and "privileged" are the same key/],
    ['a key again in upper case', '{"Privileged":false,"PRIVILEGED":true}', 'PRIVILEGED', /"Privileged" and "PRIVILEGED"/],
    ['a key again spelled with an escape', '{"Privileged":false,"Privil\\u0065ged":true}', 'Privileged', /^duplicate key "Privileged"$/],
    ['a key again in another case, escaped', '{"privileged":false,"\\u0050rivileged":true}', 'Privileged', /"privileged" and "Privileged"/],
    ['a long s (U+017F) for s', '{"s":1,"\u017f":2}', '(body)["\\u017f"]', /"s" and "\\u017f"/],
    ['a long s inside a field name', '{"UsernsMode":"","Usern\u017fMode":"host"}', '(body)["Usern\\u017fMode"]', /"UsernsMode" and "Usern\\u017fMode"/],
    ['a long s written as an escape', '{"UsernsMode":"","Usern\\u017fMode":"host"}', '(body)["Usern\\u017fMode"]', /same key/],
    ['a Kelvin sign (U+212A) for K', '{"KernelMemory":1,"\u212aernelMemory":2}', '(body)["\\u212aernelMemory"]', /"KernelMemory" and "\\u212aernelMemory"/],
    ['a Kelvin sign for a lower-case k', '{"k":1,"\u212a":2}', '(body)["\\u212a"]', /same key/],
    ['a Kelvin sign before the ASCII spelling', '{"\u212a":1,"k":2}', 'k', /"\\u212a" and "k"/],
    ['non-ASCII case variants (ρ and ϱ)', '{"\u03c1":1,"\u03f1":2}', '(body)["\\u03f1"]', /same key/],
    ['the micro sign and a capital mu', '{"\u00b5":1,"\u039c":2}', '(body)["\\u039c"]', /same key/],
    ['a duplicate in HostConfig', '{"Image":"b","HostConfig":{"Binds":[],"BINDS":["/:/h"]}}', 'HostConfig.BINDS', /"Binds" and "BINDS"/],
    ['a duplicate in an array element', '{"Mounts":[{},{"Type":"bind","type":"volume"}]}', 'Mounts[1].type', /same key/],
    ['a duplicate in a top-level array', '[{"a":1,"A":2}]', '(body)[0].A', /same key/],
    ['a duplicate map key in Labels', '{"Labels":{"com.example":"1","COM.EXAMPLE":"2"}}', 'Labels["COM.EXAMPLE"]', /same key/],
    ['a duplicate after a nested object', '{"a":{"b":1,"c":{"d":2}},"A":2}', 'A', /same key/],
    // A JavaScript consumer could reach a prototype through these.
    ['__proto__ as a key', '{"__proto__":{"Privileged":true}}', '__proto__', /the key "__proto__" is not allowed/],
    ['constructor as a key', '{"constructor":{"prototype":{}}}', 'constructor', /not allowed/],
    ['prototype as a nested key', '{"a":[{"prototype":1}]}', 'a[0].prototype', /not allowed/],
    ['__proto__ spelled with an escape', '{"\\u005f_proto__":1}', '__proto__', /not allowed/],
    ['arrays nested deeper than 64', nested('[', ']', 65), path64, /nesting deeper than 64 levels/],
    ['objects nested deeper than 64', nested('{"a":', '}', 65, '1'), `a${'.a'.repeat(63)}`, /nesting deeper than 64 levels/],
    ['a number too large for a double', '{"Memory":1e400}', 'Memory', /out of the range of a double/],
    ['a number too negative for a double', '[-1e400]', '(body)[0]', /out of the range/],
    ['NaN', '[NaN]', '(body)[0]', /unexpected character "N"/],
    ['Infinity', '[Infinity]', '(body)[0]', /unexpected character "I"/],
    ['-Infinity', '[-Infinity]', '(body)[0]', /a digit must follow "-"/],
    ['a leading zero', '[01]', '(body)', /expected "," or "]"/],
    ['a trailing decimal point', '1.', '(body)', /digits must follow the decimal point/],
    ['a leading decimal point', '.5', '(body)', /unexpected character "\."/],
    ['a leading plus', '+1', '(body)', /unexpected character "\+"/],
    ['a hexadecimal number', '0x10', '(body)', /unexpected data after the JSON value/],
    ['an exponent without digits', '1e+', '(body)', /digits must follow the exponent/],
    ['a second document after the first', '{} {}', '(body)', /unexpected data after the JSON value/],
    ['garbage after the value', '{"Image":"b"}x', '(body)', /unexpected data/],
    ['a NUL after the value', '{}\u0000', '(body)', /unexpected data/],
    ['two strings', '"a""b"', '(body)', /unexpected data/],
    ['an empty body', '', '(body)', /^the body is empty$/],
    ['a body of whitespace', ' \n\t\r ', '(body)', /^the body is empty$/],
    ['a form feed as whitespace', '\f{}', '(body)', /unexpected character "\\f"/],
    ['a no-break space as whitespace', '\u00a0{}', '(body)', /unexpected character "\\u00a0"/],
    ['a vertical tab after the value', '{}\u000b', '(body)', /unexpected data/],
    ['an ideographic space between members', '{"a":1,\u3000"b":2}', '(body)', /expected a double-quoted key/],
    ['a capitalised literal', 'True', '(body)', /unexpected character "T"/],
    ['a truncated literal', 'nul', '(body)', /invalid literal: expected null/],
    ['a literal with a tail', '[truex]', '(body)', /expected "," or "]"/],
    ['an unterminated string', '{"a":"abc', 'a', /unterminated string/],
    ['an unescaped control character', '{"a":"\u0001"}', 'a', /unescaped control character/],
    ['a raw newline in a string', '["a\nb"]', '(body)[0]', /unescaped control character/],
    ['an unknown escape', '["\\x41"]', '(body)[0]', /invalid escape "\\\\x"/],
    ['a short \\u escape', '["\\u12G4"]', '(body)[0]', /four hex digits/],
    ['an upper-case \\U escape', '["\\U0041"]', '(body)[0]', /invalid escape/],
    ['single quotes', "{'a':1}", '(body)', /expected a double-quoted key/],
    ['an unquoted key', '{a:1}', '(body)', /expected a double-quoted key/],
    ['a trailing comma in an object', '{"a":1,}', '(body)', /expected a double-quoted key/],
    ['a trailing comma in an array', '[1,]', '(body)[1]', /unexpected character "\]"/],
    ['a missing colon', '{"a" 1}', 'a', /expected ":" after the key/],
    ['a missing comma', '{"a":1 "b":2}', '(body)', /expected "," or "}"/],
    ['a comment', '{"a":1 /* x */}', '(body)', /expected "," or "}"/],
    ['an unclosed object', '{"a":1', '(body)', /unexpected end of the body/],
    ['an unclosed array', '[1,2', '(body)', /unexpected end of the body/],
    ['a value missing after a colon', '{"a":}', 'a', /unexpected character "}"/],
    // Go's decoder would read each of these as U+FFFD, not as what we validated.
    ['a lone high surrogate escape', '["\\ud800"]', '(body)[0]', /lone UTF-16 surrogate escape/],
    ['a lone low surrogate escape', '["\\udc00"]', '(body)[0]', /lone UTF-16 surrogate escape/],
    ['a high surrogate escape before a non-surrogate', '["\\ud800\\u0041"]', '(body)[0]', /lone UTF-16 surrogate escape/],
    ['a high surrogate escape before text', '["\\ud800x"]', '(body)[0]', /lone UTF-16 surrogate escape/],
    ['surrogate escapes in the wrong order', '["\\udc00\\ud800"]', '(body)[0]', /lone UTF-16 surrogate escape/],
    ['a lone surrogate escape in a key', '{"Privileged\\ud800":true}', '(body)', /lone UTF-16 surrogate escape/],
  ])('refuses %s', (_rule, text, path, reason) => {
    const error = refusal(Buffer.from(text));
    expect(error.path).toBe(path);
    expect(error.reason).toMatch(reason);
    expect(error.message).toBe(`${path}: ${error.reason}`);
  });

  it.each([
    ['a lone continuation byte', bytes(0x22, 0x80, 0x22)],
    ['an overlong encoding of "/"', bytes(0x22, 0xc0, 0xaf, 0x22)],
    ['an encoded surrogate (CESU-8)', bytes(0x22, 0xed, 0xa0, 0x80, 0x22)],
    ['a truncated sequence', bytes(0x22, 0xe2, 0x82, 0x22)],
    ['a code point beyond U+10FFFF', bytes(0x22, 0xf4, 0x90, 0x80, 0x80, 0x22)],
    ['a 0xFF byte in a key', Buffer.concat([Buffer.from('{"Privileged'), bytes(0xff), Buffer.from('":true}')])],
  ])('refuses invalid UTF-8: %s', (_rule, body) => {
    expect(refusal(body)).toMatchObject({ path: '(body)', reason: 'the body is not valid UTF-8' });
  });

  it.each([
    ['a UTF-8 byte order mark', Buffer.concat([bytes(0xef, 0xbb, 0xbf), Buffer.from('{}')])],
    ['a byte order mark in a string input', '\ufeff{}'],
  ])('refuses %s, which Go does not skip', (_rule, body) => {
    expect(refusal(body)).toMatchObject({ path: '(body)', reason: 'the body starts with a byte order mark' });
  });

  it.each([
    ['a raw lone high surrogate', '["\ud800"]'],
    ['a raw lone low surrogate', '{"a":"x\udc00"}'],
    ['a raw surrogate pair reversed', '["\udc00\ud800"]'],
  ])('refuses, in a string input, %s', (_rule, text) => {
    expect(refusal(text).reason).toMatch(/lone UTF-16 surrogate in a string/);
  });

  it('accepts a raw surrogate pair in a string input', () => {
    expect(parseStrictJson('["\ud83d\ude00"]')).toEqual(['\u{1f600}']);
  });

  it('honours a smaller maxDepth', () => {
    expect(parseStrictJson('{"a":{"b":1}}', { maxDepth: 2 })).toEqual({ a: { b: 1 } });
    expect(refusal('{"a":{"b":{}}}', { maxDepth: 2 })).toMatchObject({ path: 'a.b', reason: 'nesting deeper than 2 levels' });
    expect(parseStrictJson('"scalar"', { maxDepth: 0 })).toBe('scalar');
  });

  it.each([-1, 1.5, 1001, Number.NaN])('rejects maxDepth %p as a programming error', (maxDepth) => {
    expect(() => parseStrictJson('{}', { maxDepth })).toThrow(RangeError);
  });

  it('shortens a long key in the reason', () => {
    const key = 'k'.repeat(1000);
    const { reason } = refusal(`{"${key}":1,"${key.toUpperCase()}":2}`);
    expect(reason.length).toBeLessThan(250);
    expect(reason).toContain(`"${'k'.repeat(64)}"…`);
  });

  it('builds ordinary objects that JSON.stringify and class-transformer handle', () => {
    class HostConfigDto {
      Privileged?: boolean;
      Binds?: string[];
    }
    const body = parseStrictJson('{"HostConfig":{"Privileged":false,"Binds":["/a:/a"]},"toString":"x"}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(body, 'toString')).toEqual({ value: 'x', writable: true, enumerable: true, configurable: true });
    expect(JSON.stringify(body)).toBe('{"HostConfig":{"Privileged":false,"Binds":["/a:/a"]},"toString":"x"}');
    const dto = plainToInstance(HostConfigDto, body.HostConfig);
    expect(dto).toBeInstanceOf(HostConfigDto);
    expect(dto).toEqual({ Privileged: false, Binds: ['/a:/a'] });
  });

  it('never writes through a setter, even one added to Object.prototype', () => {
    const setter = jest.fn();
    Object.defineProperty(Object.prototype, 'Polluted', { set: setter, configurable: true });
    try {
      const body = parseStrictJson('{"Polluted":{"Privileged":true}}') as Record<string, unknown>;
      expect(Object.getOwnPropertyDescriptor(body, 'Polluted')?.value).toEqual({ Privileged: true });
      expect(setter).not.toHaveBeenCalled();
    } finally {
      delete (Object.prototype as Record<string, unknown>).Polluted;
    }
  });

  it.each([
    ['a 5 MB Env array', () => JSON.stringify({ Env: Array.from({ length: 120_000 }, (_, i) => `VARIABLE_${i}=${'x'.repeat(30)}`) })],
    ['a 5 MB array of numbers', () => JSON.stringify(Array.from({ length: 700_000 }, (_, i) => i * 3 - 1e6))],
    ['5 MB of whitespace around one value', () => `${' '.repeat(5_000_000)}{}`],
    ['a 5 MB string of escapes', () => JSON.stringify(['\\"\n'.repeat(850_000)])],
  ])('parses %s in under a second', (_rule, make) => {
    const body = Buffer.from(make());
    expect(body.length).toBeGreaterThan(4_500_000);
    const started = performance.now();
    const value = parseStrictJson(body);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(1000);
    expect(JSON.stringify(value)).toBe(JSON.stringify(JSON.parse(body.toString('utf8'))));
  });
});

describe('goFoldKey', () => {
  it.each([
    ['Privileged', 'PRIVILEGED'],
    ['privileged', 'PRIVILEGED'],
    // encoding/json v1 folds case only: underscores and dashes still count.
    ['user_name-x.y', 'USER_NAME-X.Y'],
    ['Usern\u017fMode', 'USERNSMODE'],
    ['\u212aernelMemory', 'KERNELMEMORY'],
    ['\u0130nit', '\u0130NIT'],
    ['\u0131nit', '\u0131NIT'],
    ['stra\u00dfe', 'STRA\u00dfE'],
    ['STRA\u1e9eE', 'STRA\u00dfE'],
    ['ключ', '\u041a\u041b\u042e\u0427'],
    ['\u{10428}', '\u{10400}'],
    ['lone \ud800', 'LONE \ufffd'],
  ])('folds %j to %j', (key, folded) => {
    expect(goFoldKey(key)).toBe(folded);
  });

  it('upper-cases ASCII a-z and keeps every other ASCII character, as foldName does', () => {
    for (let code = 0; code < 0x80; code++) {
      const char = String.fromCharCode(code);
      const expected = code >= 0x61 && code <= 0x7a ? String.fromCharCode(code - 0x20) : char;
      expect(goFoldKey(char)).toBe(expected);
    }
  });

  // Orbits from Go's unicode.SimpleFold tests and from Unicode's multi-member
  // fold classes; foldRune returns the smallest member of each.
  it.each([
    ['K', 'k', '\u212a'],
    ['S', 's', '\u017f'],
    ['\u03a1', '\u03c1', '\u03f1'],
    ['\u0345', '\u0399', '\u03b9', '\u1fbe'],
    ['\u00b5', '\u039c', '\u03bc'],
    ['\u0398', '\u03b8', '\u03d1', '\u03f4'],
    ['\u03a3', '\u03c2', '\u03c3'],
    ['\u00c5', '\u00e5', '\u212b'],
    ['\u03a9', '\u03c9', '\u2126'],
    ['\u0412', '\u0432', '\u1c80'],
    ['\u1e60', '\u1e61', '\u1e9b'],
    ['\u01c4', '\u01c5', '\u01c6'],
    ['\u00df', '\u1e9e'],
    ['\u13b0', '\uab80'],
    ['\u1f80', '\u1f88'],
    ['\u0130'],
    ['\u0131'],
  ])('folds the orbit %s to its smallest member', (...orbit) => {
    for (const member of orbit) expect(goFoldKey(member)).toBe(orbit[0]);
  });

  it('lets only the long s and the Kelvin sign fold onto ASCII', () => {
    const ontoAscii: string[] = [];
    for (let code = 0x80; code <= 0x1ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      if (goFoldKey(String.fromCodePoint(code)).charCodeAt(0) < 0x80) ontoAscii.push(code.toString(16));
    }
    expect(ontoAscii).toEqual(['17f', '212a']);
  });

  it('has no cased character above U+1FFFF to miss', () => {
    const casemapped = /\p{Changes_When_Casemapped}|\p{Changes_When_Casefolded}/u;
    const above: number[] = [];
    for (let code = 0x20000; code <= 0x10ffff; code++) if (casemapped.test(String.fromCodePoint(code))) above.push(code);
    expect(above).toEqual([]);
  });

  // A /iu regular expression compares characters by Unicode simple case
  // folding (ECMA-262 Canonicalize), the relation behind Go's SimpleFold
  // orbits, so it checks our orbits from the outside.
  it('folds together exactly what Unicode simple case folding does, bar pairs newer than Go’s Unicode 15.0', () => {
    const casemapped = /\p{Changes_When_Casemapped}|\p{Changes_When_Casefolded}/u;
    const cased: string[] = [];
    for (let code = 0; code <= 0x1ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      if (casemapped.test(String.fromCodePoint(code))) cased.push(String.fromCodePoint(code));
    }
    const all = cased.join('');
    const unfolded: string[] = [];
    for (const char of cased) {
      const folded = goFoldKey(char);
      if (char !== folded && !new RegExp(`^${folded}$`, 'iu').test(char)) throw new Error(`${char} folded onto ${folded}, which does not fold alike`);
      for (const [match] of all.matchAll(new RegExp(char, 'giu'))) {
        if (char < match && goFoldKey(match) !== folded) unfolded.push(`${char}${match}`);
      }
    }
    // CaseFolding.txt gained these simple foldings in Unicode 15.1; Go 1.21+
    // (Unicode 15.0 tables) does not fold them, and neither do we.
    const newerThanGo = ['\u0390\u1fd3', '\u03b0\u1fe3', '\ufb05\ufb06'];
    expect(unfolded.filter((pair) => !newerThanGo.includes(pair))).toEqual([]);
  });
});
