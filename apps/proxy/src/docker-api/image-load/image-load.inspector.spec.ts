import fc from 'fast-check';
import { deny, PolicyDenial } from '@dind/policy';
import { gzipSync } from 'node:zlib';
import { tarArchive } from '../../../../../test/support/tar-writer';
import { ImageArchiveReader } from './image-archive.reader';
import { ImageArchiveCheck, ImageLoadInspector } from './image-load.inspector';
import { feedInChunks } from '../../../../../test/support/chunked-feed';

interface Run {
  output: Buffer;
  denial?: PolicyDenial;
  manifest?: string;
}

async function run(body: Buffer, chunks: number[], check?: ImageArchiveCheck): Promise<Run> {
  const result: Run = { output: Buffer.alloc(0) };
  const inspector = new ImageLoadInspector(
    check ??
      (async (archive: ImageArchiveReader) => {
        const manifest = archive.file('manifest.json');
        result.manifest = manifest?.kind === 'file' ? manifest.content.toString() : manifest?.kind;
        return result.manifest?.includes('theirs') ? deny('ownership', 'no', 'manifest.json[0].RepoTags[0]') : undefined;
      }),
  );
  // The check fills `result` as the body streams: read it once the feed is done.
  const fed = await feedInChunks(inspector, body, chunks);
  return { ...result, ...fed };
}

const layer = Buffer.alloc(5000, 7);
const archiveOf = (tags: string) =>
  tarArchive([
    { name: 'abc/', type: '5' },
    { name: 'abc/layer.tar', content: layer },
    { name: 'abc.json', content: '{"config":{}}' },
    { name: 'manifest.json', content: `[{"Config":"abc.json","RepoTags":["${tags}"],"Layers":["abc/layer.tar"]}]` },
  ]);
const chunkings = fc.array(fc.integer({ min: 1, max: 3000 }), { maxLength: 20 });

describe('ImageLoadInspector', () => {
  it('forwards every byte of an allowed archive, in any chunking, plain or gzip', async () => {
    const plain = archiveOf('mine:1');
    await fc.assert(
      fc.asyncProperty(chunkings, fc.boolean(), async (chunks, gzip) => {
        const body = gzip ? gzipSync(plain) : plain;
        const result = await run(body, chunks);
        expect(result.denial).toBeUndefined();
        expect(result.manifest).toContain('mine:1');
        expect(result.output.equals(body)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('never forwards the end of a refused archive, in any chunking', async () => {
    const body = archiveOf('theirs:1');
    await fc.assert(
      fc.asyncProperty(chunkings, async (chunks) => {
        const result = await run(body, chunks);
        expect(result.denial?.field).toBe('manifest.json[0].RepoTags[0]');
        // Neither the end-of-archive blocks nor the last bytes of the last entry.
        expect(result.output.length).toBeLessThanOrEqual(body.length - 1024 - 1);
        expect(result.output.equals(body.subarray(0, result.output.length))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('decides on the last manifest.json of two, as the daemon reads it', async () => {
    const body = tarArchive([
      { name: 'manifest.json', content: '[{"RepoTags":["mine:1"]}]' },
      { name: 'manifest.json', content: '[{"RepoTags":["theirs:1"]}]' },
    ]);
    expect((await run(body, [700])).denial).toBeDefined();
  });

  it('holds the end of the body until the check answers', async () => {
    const body = archiveOf('mine:1');
    let answer: (denial: PolicyDenial | undefined) => void = () => undefined;
    const inspector = new ImageLoadInspector(() => new Promise((resolve) => (answer = resolve)));
    const out: Buffer[] = [];
    inspector.on('data', (data: Buffer) => out.push(data));
    inspector.write(body);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(Buffer.concat(out).length).toBeLessThan(body.length - 1024);
    answer(undefined);
    await new Promise<void>((resolve) => inspector.end(resolve));
    expect(Buffer.concat(out).equals(body)).toBe(true);
  });

  it.each<[string, Buffer, string]>([
    ['bzip2', Buffer.concat([Buffer.from('BZh91AY&SY'), Buffer.alloc(600)]), 'bzip2-compressed image archive cannot be inspected'],
    ['xz', Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(600)]), 'xz-compressed'],
    ['zstd', Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(600)]), 'zstd-compressed'],
    ['corrupt gzip', Buffer.concat([gzipSync(archiveOf('mine:1')).subarray(0, 100), Buffer.alloc(100, 7)]), 'gzip image archive is corrupt'],
    ['a cut archive', archiveOf('mine:1').subarray(0, 3000), 'not a complete tar archive'],
    ['not a tar', Buffer.from('{"not":"a tar"}'.repeat(60)), 'not a tar archive'],
    ['a write through a link', tarArchive([{ name: 'd', type: '2', linkName: '.' }, { name: 'd/manifest.json', content: '[]' }]), 'through the link'],
  ])('refuses %s (rule ownership)', async (_name, body, reason) => {
    const result = await run(body, [5, 100, 5000], async () => undefined);
    expect(result.denial?.rule).toBe('ownership');
    expect(result.denial?.reason).toContain(reason);
    expect(result.output.length).toBeLessThan(Math.max(1, body.length));
  });
});
