import fc from 'fast-check';
import { deny, PolicyDenial } from '@dind/policy';
import { gzipSync } from 'node:zlib';
import { BuildContextInspector, DockerfileCheck, HOLD_BACK_BYTES } from './build-context.inspector';
import { DockerfileEntry } from './tar-scanner';
import { feedInChunks } from '../../../../../test/support/chunked-feed';

interface Entry {
  name: string;
  content?: string | Buffer;
  type?: string;
  linkName?: string;
  prefix?: string;
  /** Size field written in base-256. */
  base256?: boolean;
  /** GNU magic ("ustar  \0"); then `prefix` lands in the atime/ctime fields. */
  gnu?: boolean;
}

function header(entry: Entry, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(entry.name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'latin1');
  block.write('0000000\0', 108, 'latin1');
  block.write('0000000\0', 116, 'latin1');
  if (entry.base256) {
    block[124] = 0x80;
    block.writeUIntBE(size, 136 - 6, 6);
  } else {
    block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  }
  block.write('00000000000\0', 136, 'latin1');
  block.write(entry.type ?? '0', 156, 'latin1');
  if (entry.linkName) block.write(entry.linkName, 157, 100, 'utf8');
  block.write(entry.gnu ? 'ustar  \0' : 'ustar\x0000', 257, 'latin1');
  if (entry.prefix) block.write(entry.prefix, 345, 155, 'utf8');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

function tar(entries: Entry[], endBlocks = 2): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from(entry.content ?? '');
    parts.push(header(entry, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(512 * endBlocks));
  return Buffer.concat(parts);
}

/** Recomputes the first header's checksum after a test edited its bytes. */
function rechecksum(archive: Buffer): Buffer {
  archive.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += archive[i];
  archive.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return archive;
}

const pax = (records: Record<string, string>): string =>
  Object.entries(records)
    .map(([key, value]) => {
      const body = ` ${key}=${value}\n`;
      let length = body.length + 1;
      while (String(length).length + body.length !== length) length++;
      return `${length}${body}`;
    })
    .join('');

interface Run {
  output: Buffer;
  denial?: PolicyDenial;
  checked?: DockerfileEntry;
}

async function run(body: Buffer, chunks: number[] = [body.length], dockerfile?: string, check?: DockerfileCheck): Promise<Run> {
  const result: Run = { output: Buffer.alloc(0) };
  const inspector = new BuildContextInspector({
    dockerfile,
    maxDockerfileBytes: 4096,
    check: check ?? (async (entry) => {
      result.checked = entry;
      return entry.content.toString().includes('localhost') ? deny('remote-address', 'no', 'Dockerfile:1 FROM') : undefined;
    }),
  });
  // The check fills `result` as the body streams: read it once the feed is done.
  const fed = await feedInChunks(inspector, body, chunks);
  return { ...result, ...fed };
}

const context = tar([
  { name: 'a/', type: '5' },
  { name: 'a/file', content: 'x'.repeat(700) },
  { name: 'Dockerfile', content: 'FROM busybox\n' },
  { name: 'b', content: Buffer.alloc(3000, 1) },
]);

describe('BuildContextInspector', () => {
  it('forwards every byte of an allowed context, in any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 1500 }), { maxLength: 20 }), async (chunks) => {
        const result = await run(context, chunks);
        expect(result.denial).toBeUndefined();
        expect(result.checked?.content.toString()).toBe('FROM busybox\n');
        expect(result.output.equals(context)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('inspects a gzip context through a gunzip and forwards the compressed bytes, in any chunking', async () => {
    const gz = gzipSync(context);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 20 }), async (chunks) => {
        const result = await run(gz, chunks);
        expect(result.checked?.content.toString()).toBe('FROM busybox\n');
        expect(result.output.equals(gz)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('denies a bad Dockerfile in any chunking and never forwards the end of the archive', async () => {
    const bad = tar([{ name: 'a', content: 'y'.repeat(2000) }, { name: './Dockerfile', content: 'FROM localhost:5000/x\n' }, { name: 'z', content: 'z'.repeat(5000) }]);
    const end = bad.length - 1024;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 3000 }), { maxLength: 20 }), async (chunks) => {
        const result = await run(bad, chunks);
        expect(result.denial?.rule).toBe('remote-address');
        expect(result.output.length).toBeLessThanOrEqual(end);
        expect(result.output.equals(bad.subarray(0, result.output.length))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('holds back the end of the body until the check answers', async () => {
    let answer!: (denial: PolicyDenial | undefined) => void;
    const inspector = new BuildContextInspector({ dockerfile: undefined, maxDockerfileBytes: 4096, check: () => new Promise((resolve) => (answer = resolve)) });
    const out: Buffer[] = [];
    inspector.on('data', (data: Buffer) => out.push(data));
    // No end-of-archive blocks: the body's end is the archive's end.
    const body = tar([{ name: 'Dockerfile', content: 'FROM busybox' }, { name: 'x', content: 'x'.repeat(4000) }], 0);
    await new Promise<void>((resolve) => inspector.write(body, () => resolve()));
    expect(Buffer.concat(out).length).toBe(body.length - HOLD_BACK_BYTES);
    const ended = new Promise<void>((resolve) => inspector.end(resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(Buffer.concat(out).length).toBe(body.length - HOLD_BACK_BYTES);
    answer(undefined);
    await ended;
    expect(Buffer.concat(out).equals(body)).toBe(true);
  });

  it('holds trailing padding after the end-of-archive blocks too', async () => {
    let answer!: (denial: PolicyDenial | undefined) => void;
    const inspector = new BuildContextInspector({ dockerfile: undefined, maxDockerfileBytes: 4096, check: () => new Promise((resolve) => (answer = resolve)) });
    const out: Buffer[] = [];
    inspector.on('data', (data: Buffer) => out.push(data));
    const body = tar([{ name: 'Dockerfile', content: 'FROM busybox' }], 20);
    inspector.write(body);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(Buffer.concat(out).length).toBe(0);
    answer(undefined);
    await new Promise<void>((resolve) => inspector.end(resolve));
    expect(Buffer.concat(out).equals(body)).toBe(true);
  });

  it.each<[string, Entry[], string | undefined, string]>([
    ['GNU long name', [{ name: '././@LongLink', type: 'L', content: `${'d'.repeat(120)}/Other.dockerfile\0` }, { name: 'short', content: 'FROM localhost/x' }], `${'d'.repeat(120)}/Other.dockerfile`, 'FROM localhost/x'],
    ['PAX path', [{ name: 'PaxHeader', type: 'x', content: pax({ path: 'sub/Other.dockerfile' }) }, { name: 'ignored', content: 'FROM localhost/x' }], 'sub/Other.dockerfile', 'FROM localhost/x'],
    ['ustar prefix', [{ name: 'Other.dockerfile', prefix: 'sub', content: 'FROM localhost/x' }], './sub/Other.dockerfile', 'FROM localhost/x'],
    ['last entry wins', [{ name: 'Dockerfile', content: 'FROM busybox' }, { name: 'Dockerfile', content: 'FROM localhost/x' }], undefined, 'FROM localhost/x'],
    ['lowercase fallback', [{ name: 'dockerfile', content: 'FROM localhost/x' }], undefined, 'FROM localhost/x'],
    ['Dockerfile before fallback', [{ name: 'dockerfile', content: 'FROM localhost/x' }, { name: 'Dockerfile', content: 'FROM busybox' }], undefined, 'FROM busybox'],
    ['a global header drops the extended headers before it', [{ name: 'Dockerfile', content: 'FROM localhost/x' }, { name: 'p', type: 'x', content: pax({ path: 'Dockerfile' }) }, { name: 'g', type: 'g', content: pax({ comment: 'x' }) }, { name: 'evil', content: 'FROM busybox' }], undefined, 'FROM localhost/x'],
    ['base-256 size', [{ name: 'x', content: 'a'.repeat(600), base256: true }, { name: 'Dockerfile', content: 'FROM localhost/x' }], undefined, 'FROM localhost/x'],
    // Go's archive/tar, Next: `if gnuLongName != ""`; mergePAX: `if v == "" { continue }`.
    ['an empty GNU long name keeps the header name', [{ name: '././@LongLink', type: 'L', content: '\0' }, { name: 'Dockerfile', content: 'FROM localhost/x' }], undefined, 'FROM localhost/x'],
    ['an empty PAX path keeps the header name', [{ name: 'p', type: 'x', content: pax({ path: '' }) }, { name: 'Dockerfile', content: 'FROM localhost/x' }], undefined, 'FROM localhost/x'],
    ['an empty PAX size keeps the header size', [{ name: 'p', type: 'x', content: pax({ size: '' }) }, { name: 'Dockerfile', content: 'FROM localhost/x' }], undefined, 'FROM localhost/x'],
    // readHeader, GNU format: atime/ctime that do not parse fall back to the pre-Go1.8 USTAR prefix.
    ['the pre-Go1.8 GNU prefix fallback', [{ name: 'Dockerfile', gnu: true, prefix: 'sub', content: 'FROM busybox' }, { name: 'sub/Dockerfile', content: 'FROM localhost/x' }, { name: 'Dockerfile', gnu: true, prefix: 'sub', content: 'FROM localhost/y' }], 'sub/Dockerfile', 'FROM localhost/y'],
    ['GNU atime/ctime that parse as octal are not a prefix', [{ name: 'Dockerfile', gnu: true, prefix: '0001', content: 'FROM localhost/x' }], undefined, 'FROM localhost/x'],
    ['header-only types carry no data', [{ name: 'l', type: '2', linkName: 'x', content: '' }, { name: 'Dockerfile', content: 'FROM localhost/x' }], undefined, 'FROM localhost/x'],
  ])('reads the Dockerfile named by: %s', async (_name, entries, dockerfile, content) => {
    const result = await run(tar(entries), [7, 300, 1000], dockerfile);
    expect(result.checked?.content.toString()).toBe(content);
  });

  it.each<[string, Buffer, string | undefined, string]>([
    ['no Dockerfile', tar([{ name: 'x', content: 'FROM busybox' }]), undefined, 'has no Dockerfile'],
    ['a symlinked Dockerfile', tar([{ name: 'Dockerfile', type: '2', linkName: 'x' }]), undefined, 'is a link'],
    ['a hard-linked Dockerfile', tar([{ name: 'x', content: 'FROM busybox' }, { name: 'Dockerfile', type: '1', linkName: 'x' }]), undefined, 'is a link'],
    ['a write through a link', tar([{ name: 'd', type: '2', linkName: '.' }, { name: 'd/Dockerfile', content: 'FROM busybox' }]), undefined, 'through the link'],
    ['a link on the Dockerfile path', tar([{ name: 'sub/D', content: 'FROM busybox' }, { name: 'sub', type: '2', linkName: 'evil' }]), 'sub/D', 'directory on the Dockerfile'],
    ['a directory Dockerfile', tar([{ name: 'Dockerfile/', type: '5' }]), undefined, 'not a regular file'],
    ['a name that is not UTF-8', rechecksum(tar([{ name: 'a', content: '' }]).fill(0xff, 0, 1)), undefined, 'not valid UTF-8'],
    ['a too large Dockerfile', tar([{ name: 'Dockerfile', content: '#'.repeat(5000) }]), undefined, 'larger than'],
    ['bzip2', Buffer.concat([Buffer.from('BZh91AY&SY'), Buffer.alloc(600)]), undefined, 'bzip2'],
    ['zstd', Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(600)]), undefined, 'zstd'],
    ['xz', Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(600)]), undefined, 'xz'],
    ['not a tar', Buffer.from('FROM localhost:5000/x\n'.repeat(40)), undefined, 'not a tar archive'],
    ['an empty body', Buffer.alloc(0), undefined, 'not a complete tar archive|has no Dockerfile'],
    ['a cut archive', tar([{ name: 'Dockerfile', content: 'x'.repeat(900) }]).subarray(0, 700), undefined, 'not a complete tar archive'],
    ['a Dockerfile that is not UTF-8', tar([{ name: 'Dockerfile', content: Buffer.from([0x46, 0xff, 0x0a]) }]), undefined, 'not valid UTF-8'],
    ['NUL padding after PAX records (ErrHeader in Go)', tar([{ name: 'p', type: 'x', content: `${pax({ path: 'Dockerfile' })}\0\0` }, { name: 'x', content: 'FROM busybox' }]), undefined, 'malformed PAX'],
    ['a PAX record shorter than 5 bytes', tar([{ name: 'p', type: 'x', content: '4 a\n' }, { name: 'Dockerfile', content: 'FROM busybox' }]), undefined, 'malformed PAX'],
    ['corrupt gzip', Buffer.concat([gzipSync(context).subarray(0, 100), Buffer.alloc(100, 7)]), undefined, 'gzip'],
  ])('refuses %s (build.context)', async (_name, body, dockerfile, reason) => {
    const result = await run(body, [5, 100, 5000], dockerfile);
    expect(result.denial?.rule).toBe('build.context');
    expect(result.denial?.reason).toMatch(new RegExp(reason));
    expect(result.output.length).toBeLessThan(Math.max(1, body.length));
  });
});
