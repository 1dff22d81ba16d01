import { tarArchive, TarEntry } from '../../../../../test/support/tar-writer';
import { ContextRefusal } from '../tar-inspection/tar-reader';
import { ImageArchiveReader } from './image-archive.reader';

function read(entries: TarEntry[], reader = new ImageArchiveReader()): ImageArchiveReader {
  reader.write(tarArchive(entries));
  reader.finish();
  return reader;
}

const content = (reader: ImageArchiveReader, path: string) => {
  const file = reader.file(path);
  return file?.kind === 'file' ? file.content.toString() : file?.kind;
};

describe('ImageArchiveReader: the tree the daemon extracts', () => {
  it.each<[string, TarEntry[], string, string | undefined]>([
    ['a JSON file is kept', [{ name: 'manifest.json', content: '[]' }], 'manifest.json', '[]'],
    ['the last of two entries of a name wins (Go\'s untar replaces the first)', [{ name: 'manifest.json', content: '[1]' }, { name: 'manifest.json', content: '[2]' }], 'manifest.json', '[2]'],
    ['names are cleaned', [{ name: './a/../manifest.json', content: '[]' }], 'manifest.json', '[]'],
    ['a path asked for is cleaned too', [{ name: 'blobs/sha256/ab', content: '{}' }], './blobs//sha256/ab/', '{}'],
    ['leading whitespace is still JSON', [{ name: 'c.json', content: '\n {}' }], 'c.json', '\n {}'],
    ['a layer is not kept', [{ name: 'x/layer.tar', content: 'x/file\0\0\0' }], 'x/layer.tar', 'uninspected'],
    ['a symlink', [{ name: 'c.json', content: '{}' }, { name: 'manifest.json', type: '2', linkName: 'c.json' }], 'manifest.json', 'link'],
    ['a hard link', [{ name: 'c.json', content: '{}' }, { name: 'manifest.json', type: '1', linkName: 'c.json' }], 'manifest.json', 'link'],
    ['a file replacing a link', [{ name: 'manifest.json', type: '2', linkName: 'x' }, { name: 'manifest.json', content: '[]' }], 'manifest.json', '[]'],
    ['a directory', [{ name: 'manifest.json/', type: '5' }], 'manifest.json', 'dir'],
    ['a parent made implicitly', [{ name: 'a/b/json', content: '{}' }], 'a/b', 'dir'],
    ['a device', [{ name: 'manifest.json', type: '3' }], 'manifest.json', 'other'],
    ['nothing', [{ name: 'other.json', content: '{}' }], 'manifest.json', undefined],
  ])('%s', (_name, entries, path, expected) => {
    expect(content(read(entries), path)).toBe(expected);
  });

  it('lists the top-level directories, made explicitly or implied', () => {
    expect(read([{ name: 'b/', type: '5' }, { name: 'a/json', content: '{}' }, { name: 'c', content: '{}' }, { name: 'd/e/f', content: '{}' }]).topLevelDirectories()).toEqual(['a', 'b', 'd']);
  });

  it('does not keep a file larger than the limit, nor past the budget; what is replaced is given back', () => {
    const reader = read(
      [
        { name: 'big.json', content: `[${' '.repeat(200)}]` },
        { name: 'a.json', content: `[${' '.repeat(90)}]` },
        { name: 'b.json', content: `[${' '.repeat(90)}]` },
        { name: 'a.json', content: '[]' },
        { name: 'c.json', content: `[${' '.repeat(90)}]` },
      ],
      new ImageArchiveReader(100, 200),
    );
    expect(reader.file('big.json')).toEqual({ kind: 'uninspected', reason: 'larger than 100 bytes' });
    expect(reader.file('b.json')?.kind).toBe('file');
    expect(reader.file('c.json')?.kind).toBe('file');
    const over = read([{ name: 'a.json', content: `[${' '.repeat(90)}]` }, { name: 'b.json', content: `[${' '.repeat(90)}]` }, { name: 'c.json', content: `[${' '.repeat(10)}]` }], new ImageArchiveReader(100, 190));
    expect(over.file('c.json')).toMatchObject({ kind: 'uninspected', reason: expect.stringContaining('more than 190 bytes') });
  });

  it.each<[string, TarEntry[], string]>([
    ['a write through a symlink (the daemon follows it)', [{ name: 'd', type: '2', linkName: '.' }, { name: 'd/manifest.json', content: '[]' }], 'through the link d'],
    ['a directory replaced by a link (the daemon removes the subtree)', [{ name: 'blobs/sha256/ab', content: '{}' }, { name: 'blobs', type: '2', linkName: 'elsewhere' }], 'replaces the directory blobs'],
    ['a directory replaced by a file', [{ name: 'a/json', content: '{}' }, { name: 'a', content: 'x' }], 'replaces the directory a'],
    ['a write under a file', [{ name: 'a', content: 'x' }, { name: 'a/json', content: '{}' }], 'under a, which is not a directory'],
  ])('refuses %s', (_name, entries, reason) => {
    expect(() => read(entries)).toThrow(ContextRefusal);
    expect(() => read(entries)).toThrow(reason);
  });
});
