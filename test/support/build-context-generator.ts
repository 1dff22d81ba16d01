import fc from 'fast-check';
import { paxRecords, TarEntry } from './tar-writer';

/**
 * Build contexts for the differential test of the classic-build inspector:
 * Dockerfiles with Unicode and control characters at every token boundary,
 * JSON and shell forms, directives, variables in every expansion form, inside
 * tar archives with headers of every type (empty, long, duplicated and
 * prefixed names). Hosts are placeholders `§n§`, filled in with a loopback
 * listener's address per run; hosts 0-2 are the Dockerfile's, 3-5 decoys in
 * files the builder should not read.
 */
export interface GeneratedContext {
  readonly entries: readonly TarEntry[];
  /** The `dockerfile` query parameter. */
  readonly dockerfile?: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
}

export const HOSTS_PER_CONTEXT = 6;
const host = (i: number) => `§${i}§`;

/** Characters Go and JavaScript disagree on, and plain separators. */
const ODD = ['\u0085', '\u00a0', '\ufeff', '\u2028', '\u3000', '\u1680', '\u180e', '\u200b', '\v', '\f', '\r', '\u0145', '\u00e9', '\u0800', '\u0130', '\u212a', '\u017f', '\0', '\x1c'];
const sep = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(' ', '\t', '  ') }, { weight: 3, arbitrary: fc.constantFrom(...ODD) }, { weight: 1, arbitrary: fc.constantFrom(' \u0085', '\u00a0 ', '\v ') });
const maybeOdd = fc.oneof({ weight: 5, arbitrary: fc.constant('') }, { weight: 2, arbitrary: fc.constantFrom(...ODD) }, { weight: 1, arbitrary: fc.constantFrom('"', "'", '\\', '`', '$', '\\\\') });
const hostIndex = fc.integer({ min: 0, max: 2 });
const varName = fc.constantFrom('A', 'B_1', 'a', '\u00e9', 'A\u00e9', 'A\u0660', '\u0130', '1', '@', 'HTTP_PROXY');

/** A value naming a host: an image reference or a URL. */
const imageOf = (i: number) => `${host(i)}/img`;
const urlOf = (i: number) => `http://${host(i)}/f`;
/** URL spellings whose host Go's net/url and the WHATWG parser may read differently. */
const oddUrlOf = (i: number) => fc.constantFrom(urlOf(i), `https://${host(i)}/f`, `http://u@${host(i)}/f`, `http://${host(i)}/f?x#y`, `HTTP://${host(i)}/f`, `http://${host(i)}`, `http://${host(i)}\\@x/f`);

/** A word that may expand to `value`, with a variable named `name`. */
function expansion(name: string, value: string): fc.Arbitrary<string> {
  return fc.constantFrom(
    value,
    `$${name}`,
    `\${${name}}`,
    `\${${name}:-${value}}`,
    `\${${name}:+${value}}`,
    `\${${name}-${value}}`,
    `\${${name}+${value}}`,
    `\${${name}?}`,
    `\${${name}:?x}`,
    `"$${name}"`,
    `'$${name}'`,
    `$${name}\u00e9`,
    `\\$${name}`,
    `\${${name}#x}`,
    `$$${name}`,
    `\ufeff$${name}`,
    `\ufeff${value}`,
    `"${value}"`,
    `${value.slice(0, 4)}\\${value.slice(4)}`,
    `${value.slice(0, 4)}\`${value.slice(4)}`,
  );
}

const LOCAL_IMAGE = 'dind-test/busybox:latest';

interface Line {
  readonly text: string;
}

const keywordCase = (keyword: string) =>
  fc.constantFrom(keyword, keyword.toLowerCase(), keyword.replace('I', '\u0130'), keyword.replace('S', '\u017f'), `\ufeff${keyword}`);

/** One instruction that may make the builder dial host(i). */
function probe(name: string): fc.Arbitrary<string> {
  return hostIndex.chain((i) =>
    fc.oneof(
      // FROM a registry image.
      fc.tuple(keywordCase('FROM'), sep, maybeOdd, expansion(name, imageOf(i)), maybeOdd).map(([k, s, a, v, b]) => `${k}${s}${a}${v}${b}`),
      // ADD a URL, shell form, with or without flags.
      fc
        .tuple(keywordCase('ADD'), sep, fc.constantFrom('', '--chown=1', '--chown=1\u0085', '--chown=1\u00a0', '--chown=\u0145', '--chown="a b"', '-- ', '--chown=\u00e9'), sep, maybeOdd, oddUrlOf(i).chain((url) => expansion(name, url)), sep, fc.constantFrom('/d', '/d/'))
        .map(([k, s1, flag, s2, a, v, s3, d]) => `${k}${s1}${flag}${flag === '' ? '' : s2}${a}${v}${s3}${d}`),
      // ADD, JSON form, with what may follow the array.
      fc
        .tuple(keywordCase('ADD'), sep, fc.constantFrom('', ' ', '\u0085'), expansion(name, urlOf(i)), fc.constantFrom('', ' x', '["a","b"]', ' ]', '\u0085', ' /e', ',1]'))
        .map(([k, s, pre, v, after]) => `${k}${s}${pre}[${JSON.stringify(v)}, "/d"]${after}`),
      // COPY --from an image.
      fc
        .tuple(keywordCase('COPY'), sep, fc.constantFrom('', '--chown=1\u0085', '--chown=1 '), expansion(name, imageOf(i)), sep)
        .map(([k, s1, flag, v, s2]) => `${k}${s1}${flag}--from=${v}${s2}/a /b`),
      // ONBUILD (dialled by a later build only).
      fc.tuple(keywordCase('ONBUILD'), sep, sep).map(([k, s1, s2]) => `${k}${s1}ADD${s2}${urlOf(i)} /d`),
    ),
  );
}

const argLine = (name: string) =>
  hostIndex.chain((i) =>
    fc.oneof(
      fc.tuple(sep, fc.constantFrom(imageOf(i), urlOf(i), `"${urlOf(i)}"`, '', LOCAL_IMAGE)).map(([s, v]) => `ARG${s}${name}${v === '' ? '' : `=${v}`}`),
      fc.tuple(sep, fc.constantFrom(urlOf(i), imageOf(i))).map(([s, v]) => `ENV${s}${name}=${v}`),
      fc.tuple(sep, sep, fc.constantFrom(urlOf(i), imageOf(i))).map(([s1, s2, v]) => `ENV${s1}${name}${s2}${v}`),
    ),
  );

const filler = fc.constantFrom('RUN true', '# comment', '', ' ', '\u0085', '\u00a0# c', 'LABEL a=b', 'RUN echo \\\\', 'RUN echo `', 'RUN echo \\', '\\', 'EXPOSE 80', '#', 'X');

const lineEnd = fc.oneof({ weight: 6, arbitrary: fc.constant('\n') }, { weight: 2, arbitrary: fc.constantFrom('\r\n', ' \\\n', '\\\n', '\\\\\n', '`\n', '\\ \t\n', '\u0085\n', '\r\r\n') });

const directive = fc
  .tuple(fc.constantFrom('', ' ', '\u0085', '\u00a0', '\ufeff', '\v', '\t'), fc.constantFrom('# escape=`', '# escape=`', '# escape=\\', '# syntax=x', '#escape = `', '# ESCAPE=`', '# escape=`\u00a0', '#\vescape=`', '# foo=bar'))
  .map(([pre, d]) => `${pre}${d}\n`);
const directives = fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 3, arbitrary: directive }, { weight: 1, arbitrary: fc.tuple(directive, directive).map(([a, b]) => a + b) });

/** A Dockerfile: directives, a local base image, then lines among which one or two probes. */
export const dockerfileText: fc.Arbitrary<string> = varName.chain((name) =>
  fc
    .tuple(
      fc.constantFrom('', '', '\ufeff'),
      directives,
      fc.array(fc.tuple(argLine(name), lineEnd), { maxLength: 2 }),
      fc.constantFrom(`FROM ${LOCAL_IMAGE}`, `FROM ${LOCAL_IMAGE} AS s`, `FROM ${LOCAL_IMAGE} A\u017f s`, `from\t${LOCAL_IMAGE}`),
      fc.array(fc.tuple(fc.oneof(argLine(name), filler), lineEnd), { maxLength: 2 }),
      fc.array(fc.tuple(fc.oneof({ weight: 3, arbitrary: probe(name) }, { weight: 1, arbitrary: filler }), lineEnd), { minLength: 1, maxLength: 3 }),
    )
    .map(([bom, dirs, metas, from, before, probes]) =>
      [bom, dirs, ...metas.map(([l, e]) => l + e), `${from}\n`, ...before.map(([l, e]) => l + e), ...probes.map(([l, e]) => l + e)].join(''),
    ),
);

const decoy = (i: number) => `FROM ${imageOf(3 + i)}\n`;

/** How the Dockerfile (or a decoy) gets its name in the archive. */
function namedEntries(name: string, content: string, decoy: boolean): fc.Arbitrary<TarEntry[]> {
  const slash = name.lastIndexOf('/');
  const dir = slash === -1 ? '' : name.slice(0, slash);
  const base = name.slice(slash + 1);
  return fc.oneof<fc.Arbitrary<TarEntry[]>[]>(
    fc.constant([{ name, content }]),
    // GNU long name: the real one, an empty one (Go keeps the header's), or a different one.
    fc.constantFrom('', name, `${name}\0`, 'other').map((long): TarEntry[] => [
      { name: '././@LongLink', type: 'L', content: long },
      { name: long === '' ? name : 'short-name', content },
    ]),
    // PAX path: empty keeps the header name; duplicated records, the last wins.
    fc.constantFrom<Array<[string, string]>>([['path', name]], [['path', '']], [['path', 'other'], ['path', name]], [['path', name], ['path', '']]).map((records) => {
      const last = records[records.length - 1][1];
      return <TarEntry[]>[
        { name: 'PaxHeader', type: 'x', content: paxRecords(records) },
        { name: last === '' ? name : 'pax-name', content },
      ];
    }),
    // USTAR prefix, or a GNU header whose atime/ctime hold the prefix (pre-Go1.8).
    fc.constant(dir === '' ? [{ name, content }] : [{ name: base, prefix: dir, content }]),
    fc.constant(dir === '' ? [{ name, content, format: 'gnu' as const }] : [{ name: base, prefix: dir, content, format: 'gnu' as const }]),
    fc.constant([{ name, content, format: 'v7' as const }]),
    // GNU headers whose atime/ctime parse (no prefix) or hold a prefix that is not ASCII (Go ignores it).
    fc.constantFrom('0001', 'zz\u00e9', '\u0080').map((prefix): TarEntry[] => [{ name, content, format: 'gnu', prefix }]),
    // A long name cut at 100 bytes in the header, with or without a GNU long name.
    fc.constant<TarEntry[]>(decoy ? [{ name: `${'d'.repeat(99)}/${name}`, content }] : [{ name, content }]),
    fc.constant<TarEntry[]>(decoy ? [{ name: '././@LongLink', type: 'L', content: `${'d'.repeat(99)}/${name}` }, { name, content }] : [{ name: '././@LongLink', type: 'L', content: name }, { name: `${'d'.repeat(99)}/x`, content }]),
    fc.constant([{ name: `./${name}`, content }]),
    // A global header between an extended header and its entry.
    fc.constant([{ name: 'p', type: 'x', content: paxRecords([['path', name]]) }, { name: 'g', type: 'g', content: paxRecords([['comment', 'x']]) }, { name, content }]),
  );
}

const dockerfileNames = fc.constantFrom<[string, string | undefined]>(['Dockerfile', undefined], ['dockerfile', undefined], ['sub/Dockerfile', 'sub/Dockerfile'], ['Dockerfile', 'Dockerfile'], ['Dockerfile', './Dockerfile'], ['sub/Dockerfile', 'sub//Dockerfile']);

/** A whole context: the Dockerfile, decoys before and after it, duplicates, directories. */
export const buildContext: fc.Arbitrary<GeneratedContext> = fc
  .tuple(
    dockerfileText,
    dockerfileNames,
    // Half the contexts have no decoy, so that the Dockerfile's own probes are reached often.
    fc.oneof(fc.constant([]), fc.array(fc.constantFrom('Dockerfile', 'dockerfile', 'sub/Dockerfile', 'sub', 'x', 'Dockerfile/', './Dockerfile'), { maxLength: 2 })),
    fc.oneof(fc.constant([]), fc.array(fc.constantFrom('Dockerfile', 'dockerfile', 'sub/Dockerfile', 'sub/dockerfile'), { maxLength: 2 })),
    fc.boolean(),
    fc.option(fc.constantFrom<Record<string, string>>({ A: imageOf(0) }, { A: urlOf(1) }, { HTTP_PROXY: imageOf(2) }, { B_1: LOCAL_IMAGE }), { nil: undefined }),
  )
  .chain(([text, [name, dockerfile], before, after, withDir, buildArgs]) =>
    fc
      .tuple(
        fc.tuple(...before.map((n, i) => namedEntries(n, decoy(i), true))),
        namedEntries(name, text, false),
        fc.tuple(...after.map((n, i) => namedEntries(n, decoy(2 - i), true))),
      )
      .map(([pre, main, post]) => ({
        entries: [...(withDir ? [{ name: 'sub/', type: '5' }] : []), ...pre.flat(), ...main, ...post.flat(), { name: 'a', content: 'a' }],
        dockerfile,
        buildArgs,
      })),
  );

/** Puts real hosts in place of the placeholders. */
export function withHosts(context: GeneratedContext, hosts: readonly string[]): GeneratedContext {
  const fill = (text: string) => text.replace(/§(\d)§/g, (_m, i: string) => hosts[Number(i)]);
  return {
    entries: context.entries.map((entry) => ({
      ...entry,
      name: fill(entry.name),
      content: typeof entry.content === 'string' ? fill(entry.content) : entry.content,
    })),
    dockerfile: context.dockerfile,
    buildArgs: context.buildArgs && Object.fromEntries(Object.entries(context.buildArgs).map(([k, v]) => [k, fill(v)])),
  };
}
