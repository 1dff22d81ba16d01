import { formatBytes, parseByteSize } from './byte-size';

describe('sizes read the way the daemon reads them (go-units)', () => {
  it.each([
    ['10m', 'decimal', 10_000_000],
    ['10m', 'binary', 10 * 1024 * 1024],
    ['10MB', 'decimal', 10_000_000],
    ['10mib', 'decimal', 10_000_000], // the daemon ignores the i: FromHumanSize is decimal whatever the spelling
    ['1.5k', 'decimal', 1500],
    ['2 g', 'binary', 2 * 1024 ** 3],
    ['512', 'binary', 512],
    ['0', 'decimal', 0],
  ] as const)('%s (%s) is %d bytes', (text, base, bytes) => {
    expect(parseByteSize(text, base)).toBe(bytes);
  });

  it.each(['', '-1', '10x', 'm', '1.2.3', '10 mb ', ' 10m', '1e3', '0x10', '99999999999p'])('%j is not a size', (text) => {
    expect(parseByteSize(text, 'decimal')).toBeUndefined();
  });

  it.each([
    [31_457_280, 'binary', '30 MiB'],
    [30_000_000, 'decimal', '30 MB'],
    [1500, 'decimal', '1.5 kB'],
    [1000, 'binary', '1000 B'],
    [10_485_761, 'binary', '10 MiB'],
  ] as const)('%d bytes (%s) reads as %s', (bytes, base, text) => {
    expect(formatBytes(bytes, base)).toBe(text);
  });
});
