import { DockerfileRefusal, dockerfileDialTargets } from './dockerfile-reader';
import { extractBuilderFlags, logicalLines, parseJsonArray, splitCommand } from './dockerfile-syntax';
import { processWord } from './shell-word';

/**
 * Differentials with dockerd 20.10's classic builder: each row is a Dockerfile
 * on which the reader and the daemon once disagreed about the hosts dialled,
 * named after the Go behaviour that decides it.
 */
const hosts = (text: string) => dockerfileDialTargets(text).map((t) => t.host);
const refusalOf = (text: string): DockerfileRefusal | undefined => {
  try {
    dockerfileDialTargets(text);
  } catch (error) {
    if (error instanceof DockerfileRefusal) return error;
    throw error;
  }
  return undefined;
};
const B = 'FROM busybox\n';

describe('the Dockerfile reader finds the hosts dockerd 20.10 dials', () => {
  it.each<[string, string, string[]]>([
    // extractBuilderFlags: bytes taken as runes, unicode.IsSpace(0x85|0xA0).
    ['U+0085 ends a flag (its byte 0x85 is white space as a rune)', `${B}ADD --chown=1\u0085http://127.0.0.1:1/a /b`, ['127.0.0.1:1']],
    ['U+00A0 ends a flag (its byte 0xA0)', `${B}ADD --chown=1\u00a0http://127.0.0.1:2/a /b`, ['127.0.0.1:2']],
    ['any character holding the byte 0x85 ends a flag (U+0145 is C5 85)', `${B}ADD --chown=\u0145 http://127.0.0.1:3/a /b`, ['127.0.0.1:3']],
    ['a COPY --from after U+0085 is a flag of its own', `${B}COPY --chown=1\u0085--from=127.0.0.1:4/i /a /b`, ['127.0.0.1:4']],
    // possibleParserDirective after bytes.TrimLeftFunc(unicode.IsSpace).
    ['U+0085 before the escape directive: ` is the escape character', '\u0085# escape=`\nFROM busybox\nRUN echo \\\nADD http://127.0.0.1:5/ /x', ['127.0.0.1:5']],
    ['U+00A0 before the escape directive', '\u00a0# escape=`\nFROM busybox\nRUN echo \\\nADD http://127.0.0.1:6/ /x', ['127.0.0.1:6']],
    ['a directive after U+FEFF is not a directive (Go does not trim U+FEFF)', '# x\n\uFEFF# escape=`\nFROM busybox\nRUN echo `\nADD http://127.0.0.1:7/ /x', ['127.0.0.1:7']],
    ['\\v is not \\s in Go regexp: no directive', '#\v escape=`\nFROM busybox\nRUN echo `\nADD http://127.0.0.1:8/ /x', ['127.0.0.1:8']],
    // lineContinuationRegex `([^\\])\\[ \t]*$`.
    ['a doubled escape character at the end does not continue', `${B}RUN echo \\\\\nADD http://127.0.0.1:9/ /x`, ['127.0.0.1:9']],
    // json.Decoder reads the first value only.
    ['JSON form with text after the array', `${B}ADD ["http://127.0.0.1:10/a", "/b"] trailing`, ['127.0.0.1:10']],
    ['JSON form followed by a second array', `${B}ADD ["http://127.0.0.1:11/a","/b"]["c","d"]`, ['127.0.0.1:11']],
    ['JSON form after Unicode white space', `${B}ADD \u0085["http://127.0.0.1:12/a","/b"]`, ['127.0.0.1:12']],
    // text/scanner skips a leading BOM.
    ['a byte-order mark at the start of an ADD source', `${B}ADD \uFEFFhttp://127.0.0.1:13/a /b`, ['127.0.0.1:13']],
    ['a byte-order mark at the start of a FROM image', '\uFEFF\nFROM \uFEFF127.0.0.1:14/x', ['127.0.0.1:14']],
    // strings.ToLower and strings.EqualFold.
    ['ONBUİLD is onbuild to Go', `${B}ONBU\u0130LD ADD http://127.0.0.1:15/ /x`, ['127.0.0.1:15']],
    ['a Kelvin sign in a stage name lowers to "k" (strings.ToLower)', 'FROM busybox AS \u212Aa\nFROM busybox\nCOPY --from=ka /a /b', []],
    ['"Aſ" is "as" to strings.EqualFold: a stage, not an image', 'FROM busybox A\u017f st\nFROM st\nCOPY --from=st /a /b', []],
    // strings.TrimSpace is Unicode; reWhitespace is ASCII.
    ['U+0085 around a FROM image is trimmed', 'FROM \u0085127.0.0.1:17/x\u0085', ['127.0.0.1:17']],
    ['legacy ENV: the value is the rest after one ASCII split', `${B}ENV U http://127.0.0.1:18/\nADD $U /x`, ['127.0.0.1:18']],
    // processName: special parameters and digits.
    ['$$ is the (unset) special parameter "$"', 'FROM 127.0.0.1:20/x$$', ['127.0.0.1:20']],
    ['$1 is a name of digits', 'ARG A=127.0.0.1:21\nFROM ${A}/x$1y', ['127.0.0.1:21']],
    ['${A?} of a set variable', 'ARG A=127.0.0.1:22\nFROM ${A?}/x', ['127.0.0.1:22']],
    // net/url: the host follows the authority's last "@"; the WHATWG reading is checked too when it differs.
    ['an ADD URL host as Go reads it and as WHATWG normalises it', `${B}ADD http://u@LocalHost:23/ /x`, ['localhost:23', 'LocalHost:23']],
    ['an ADD URL with userinfo', `${B}ADD http://a:b@127.0.0.1:24/ /x`, ['127.0.0.1:24']],
  ])('%s', (_name, text, expected) => {
    expect(hosts(text)).toEqual(expected);
  });

  it.each<[string, string, string]>([
    ['a variable name with a letter beyond ASCII (unicode.IsLetter)', 'ARG \u00e9=127.0.0.1:1\nFROM ${\u00e9}/x', 'beyond ASCII'],
    ['a name that continues beyond ASCII', 'ARG A=127.0.0.1:1\nFROM $A\u00e9/x', 'beyond ASCII'],
    ['an ARG name the builder would expand', 'ARG A=B\nARG $A=127.0.0.1:1\nFROM $B/x', 'would expand'],
    ['a flag that ends inside a character', `${B}ADD --chown=\u0800x http://127.0.0.1:1/ /x`, 'inside a character'],
    ['a JSON array that holds a number', `${B}ADD ["http://127.0.0.1:1/", 1]`, 'anything but strings'],
    ['a second escape directive', '# escape=`\n# escape=\\\nFROM busybox', 'second escape'],
  ])('refuses %s as uninspectable', (_name, text, reason) => {
    const refusal = refusalOf(text);
    expect(refusal?.message).toContain(reason);
  });
});

describe('the parser steps mirror Go', () => {
  it.each<[string, string, string[], string]>([
    ['flags end at ASCII space', '--a=1 --b=2 rest', ['--a=1', '--b=2'], 'rest'],
    ['a flag keeps its bytes as Latin-1 runes', '--from=\u00e9 rest', ['--from=\u00c3\u00a9'], 'rest'],
    ['quotes and backslashes in a flag', '--a="x y" --b=\\z rest', ['--a=x y', '--b=z'], 'rest'],
    ['"--" ends the flags', '-- --x', [], ' --x'],
  ])('extractBuilderFlags: %s', (_name, line, flags, rest) => {
    expect(extractBuilderFlags(line)).toEqual({ flags, rest });
  });

  it.each<[string, string, string]>([
    ['NUL-free ASCII keyword', 'FROM x', 'from'],
    ['Unicode trim before the keyword', '\u0085\u00a0ADD x', 'add'],
    ['U+FEFF is not trimmed', '\uFEFFADD x', '\uFEFFadd'],
  ])('splitCommand keyword: %s', (_name, line, keyword) => {
    expect(splitCommand(line).keyword).toBe(keyword);
  });

  it.each<[string, string, string[] | undefined]>([
    ['first value only', '["a"] b', ['a']],
    ['unterminated', '["a"', undefined],
    ['not an array', '"a"', undefined],
  ])('parseJsonArray: %s', (_name, rest, expected) => {
    expect(parseJsonArray(rest)).toEqual(expected);
  });

  it('logicalLines: a doubled escape ends the line, a single one continues it', () => {
    expect(logicalLines('A \\\\\nB \\\nC', '\\').map((l) => l.text)).toEqual(['A \\\\', 'B C']);
  });

  it.each<[string, string, string]>([
    ['a leading BOM is skipped', '\uFEFFab', 'ab'],
    ['only the first BOM', 'a\uFEFFb', 'a\uFEFFb'],
    ['$@ is a special parameter', 'a$@b', 'ab'],
    ['${-} is a special parameter', 'a${-}b', 'ab'],
  ])('processWord: %s', (_name, word, expected) => {
    expect(processWord(word, '\\', () => undefined)).toBe(expected);
  });
});
