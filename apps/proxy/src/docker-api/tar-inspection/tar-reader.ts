import { posix } from 'node:path';

/**
 * Reads a tar stream the way the daemon's reader (Go archive/tar, then moby's
 * untar) does, far enough to know what each entry is: ustar/star prefixes, GNU
 * long names (`L`/`K`), PAX path/size records, header-only types. Fed in
 * arbitrary chunks; what it keeps of an entry's data is up to the subclass
 * (`entry`), which sees every entry in order. Each rule names what it mirrors in
 * Go's archive/tar reader.go (vendored in moby v20.10 as vendor/archive/tar).
 */

/** The archive cannot be inspected (or is malformed). */
export class ContextRefusal extends Error {}

export const MAX_SPECIAL_FILE_BYTES = 1024 * 1024;
const BLOCK = 512;
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

/** Entry names as the untar writes them: cleaned, relative to the archive's root. */
export function normalizeEntryName(name: string): string {
  const cleaned = posix.normalize(`/${name}`).replace(/^\/+/, '').replace(/\/+$/, '');
  return cleaned === '.' ? '' : cleaned;
}

/** What the reader does with an entry's data. */
export type EntryData = 'skip' | 'capture';

type Sink = { kind: 'skip' } | { kind: 'meta'; type: string; chunks: Buffer[] } | { kind: 'capture'; name: string; chunks: Buffer[] };

export abstract class TarReader {
  /** Offset (in the tar stream) of the end-of-archive block, once seen. */
  endOffset: number | undefined;
  private offset = 0;
  private readonly block = Buffer.alloc(BLOCK);
  private blockFill = 0;
  private state: 'header' | 'data' | 'padding' | 'end' = 'header';
  private remaining = 0;
  private padding = 0;
  private sink: Sink = { kind: 'skip' };
  private pax: Map<string, string> | undefined;
  private gnuLongName: string | undefined;
  private gnuLongLink: string | undefined;

  /** @param subject the archive as messages name it ('the build context') */
  constructor(protected readonly subject: string) {}

  /**
   * An entry, in archive order: its normalised name ('' for the root), its
   * type flag (a directory written as a regular file with a trailing slash is
   * '5') and data size. 'capture' hands its data to `captured`.
   */
  protected abstract entry(name: string, type: string, size: number, linkName: string): EntryData;

  protected abstract captured(name: string, content: Buffer): void;

  get ended(): boolean {
    return this.state === 'end';
  }

  write(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && this.state !== 'end') {
      if (this.state === 'header') {
        const n = Math.min(BLOCK - this.blockFill, chunk.length - i);
        chunk.copy(this.block, this.blockFill, i, i + n);
        this.blockFill += n;
        i += n;
        if (this.blockFill === BLOCK) {
          this.blockFill = 0;
          this.header(this.block);
          this.offset += BLOCK;
        }
      } else if (this.state === 'data') {
        const n = Math.min(this.remaining, chunk.length - i);
        if (this.sink.kind !== 'skip') this.sink.chunks.push(Buffer.from(chunk.subarray(i, i + n)));
        this.remaining -= n;
        this.offset += n;
        i += n;
        if (this.remaining === 0) this.endData();
      } else {
        const n = Math.min(this.padding, chunk.length - i);
        this.padding -= n;
        this.offset += n;
        i += n;
        if (this.padding === 0) this.state = 'header';
      }
    }
  }

  /** The input ended (no end-of-archive blocks is fine, as for Go; a cut entry is not). */
  finish(): void {
    if (this.state === 'end') return;
    if (this.state !== 'header' || this.blockFill !== 0) throw new ContextRefusal(`${this.subject} is not a complete tar archive`);
    this.state = 'end';
    this.endOffset = this.offset;
  }

  private header(block: Buffer): void {
    if (block.every((byte) => byte === 0)) {
      this.state = 'end';
      this.endOffset = this.offset;
      return;
    }
    verifyChecksum(block, this.subject);
    const type = String.fromCharCode(block[156]);
    let size = parseNumeric(block.subarray(124, 136), this.subject);
    let name = cString(block, 0, 100, this.subject);
    let linkName = cString(block, 157, 257, this.subject);
    const magic = block.toString('latin1', 257, 263);
    if (magic === 'ustar\0') {
      // readHeader: USTAR/PAX prefix (155 bytes), or the STAR prefix (131 bytes) when the trailer says "tar\0".
      const star = block.toString('latin1', 508, 512) === 'tar\0';
      const prefix = cString(block, 345, star ? 345 + 131 : 500, this.subject);
      if (prefix !== '') name = `${prefix}/${name}`;
    } else if (magic === 'ustar ' && block.toString('latin1', 263, 265) === ' \0') {
      // readHeader, GNU format: when the atime or ctime field does not parse
      // (a non-zero first byte that is not a number), Go falls back to the
      // pre-Go1.8 reading and takes the USTAR prefix field, if it is ASCII.
      if (!gnuTimeParses(block.subarray(345, 357)) || !gnuTimeParses(block.subarray(357, 369))) {
        const prefix = cString(block, 345, 500, this.subject);
        if (prefix !== '' && /^[\x00-\x7f]*$/.test(prefix)) name = `${prefix}/${name}`;
      }
    }
    if (type === 'g') {
      // Go's reader hands a global header to the untar (which ignores it) as an
      // entry of its own: the extended headers read before it do not carry over.
      this.pax = undefined;
      this.gnuLongName = this.gnuLongLink = undefined;
    }
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      if (size > MAX_SPECIAL_FILE_BYTES) throw new ContextRefusal(`a tar extended header is larger than ${MAX_SPECIAL_FILE_BYTES} bytes`);
      this.startData(size, { kind: 'meta', type, chunks: [] });
      return;
    }
    if (type === 'S') throw new ContextRefusal(`sparse files in ${this.subject} are not inspected`);
    const pax = this.pax;
    this.pax = undefined;
    if (pax) {
      for (const key of pax.keys()) {
        if (key.startsWith('GNU.sparse')) throw new ContextRefusal(`sparse files in ${this.subject} are not inspected`);
      }
      // mergePAX: an empty value keeps the header's own field ("Keep the original USTAR value").
      if (pax.get('path')) name = pax.get('path')!;
      if (pax.get('linkpath')) linkName = pax.get('linkpath')!;
      if (pax.get('size')) {
        // strconv.ParseInt(v, 10, 64), then a negative size is ErrHeader.
        const value = pax.get('size')!;
        if (!/^\+?\d+$/.test(value)) throw new ContextRefusal('a tar PAX size record is not a number');
        size = Number(value.replace(/^\+/, ''));
      }
    }
    // Next: `if gnuLongName != ""` — an empty GNU long name (or link) keeps the header's own.
    if (this.gnuLongName) name = this.gnuLongName;
    if (this.gnuLongLink) linkName = this.gnuLongLink;
    this.gnuLongName = this.gnuLongLink = undefined;
    const effectiveType = type === '\0' && name.endsWith('/') ? '5' : type;
    const dataSize = HEADER_ONLY.has(effectiveType) ? 0 : size;
    if (!Number.isSafeInteger(dataSize) || dataSize < 0) throw new ContextRefusal('a tar entry size is out of range');
    const normalized = normalizeEntryName(name);
    const data = this.entry(normalized, effectiveType, dataSize, linkName);
    this.startData(dataSize, data === 'capture' ? { kind: 'capture', name: normalized, chunks: [] } : { kind: 'skip' });
  }

  private startData(size: number, sink: Sink): void {
    this.sink = sink;
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.endData();
    else this.state = 'data';
  }

  private endData(): void {
    const sink = this.sink;
    this.sink = { kind: 'skip' };
    this.state = this.padding > 0 ? 'padding' : 'header';
    if (sink.kind === 'capture') {
      this.captured(sink.name, Buffer.concat(sink.chunks));
    } else if (sink.kind === 'meta') {
      const data = Buffer.concat(sink.chunks);
      if (sink.type === 'x') this.pax = parsePax(data, this.subject);
      else if (sink.type === 'L') this.gnuLongName = cString(data, 0, data.length, this.subject);
      else if (sink.type === 'K') this.gnuLongLink = cString(data, 0, data.length, this.subject);
      // 'g' (PAX global header): moby's untar ignores it.
    }
  }
}

/** A NUL-terminated name. Names must be UTF-8: two different invalid byte strings would read the same here but not to the daemon. */
function cString(buffer: Buffer, start: number, end: number, subject: string): string {
  const nul = buffer.indexOf(0, start);
  return utf8(buffer.subarray(start, nul === -1 || nul > end ? end : nul), subject);
}

function utf8(bytes: Buffer, subject: string): string {
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) throw new ContextRefusal(`${subject} has a name that is not valid UTF-8`);
  return text;
}

/** parser.parseOctal: bytes.Trim(" \x00"), cut at the first NUL, strconv.ParseUint(…, 8). */
function parseOctal(field: Buffer, subject: string): number {
  const trimmed = field.toString('latin1').replace(/^[ \0]+|[ \0]+$/g, '');
  const text = trimmed.split('\0')[0];
  if (trimmed === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new ContextRefusal(`${subject} is not a tar archive (bad numeric field)`);
  return parseInt(text, 8);
}

/** Octal, or GNU base-256 when the high bit is set. */
function parseNumeric(field: Buffer, subject: string): number {
  if ((field[0] & 0x80) === 0) return parseOctal(field, subject);
  if ((field[0] & 0x40) !== 0) throw new ContextRefusal('a tar entry size is negative');
  let value = field[0] & 0x7f;
  for (let i = 1; i < field.length; i++) {
    value = value * 256 + field[i];
    if (!Number.isSafeInteger(value)) throw new ContextRefusal('a tar entry size is out of range');
  }
  return value;
}

function verifyChecksum(block: Buffer, subject: string): void {
  const expected = parseOctal(block.subarray(148, 156), subject);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  if (expected !== unsigned && expected !== signed) throw new ContextRefusal(`${subject} is not a tar archive (bad header checksum)`);
}

/**
 * parsePAX / parsePAXRecord: "%d %s=%s\n" records to the end of the data
 * (NUL padding included: that is ErrHeader in Go too), the length parsed by
 * strconv.ParseInt (a sign allowed, at least 5), the key non-empty, no NUL in
 * a path. A later record of the same key wins.
 */
function parsePax(data: Buffer, subject: string): Map<string, string> {
  const records = new Map<string, string>();
  const malformed = () => new ContextRefusal(`${subject} has a malformed PAX header`);
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) throw malformed();
    const digits = data.toString('latin1', pos, space);
    if (!/^[+-]?\d+$/.test(digits)) throw malformed();
    const length = Number(digits);
    if (!Number.isSafeInteger(length) || length < 5 || pos + length > data.length || length <= space - pos + 1 || data[pos + length - 1] !== 0x0a) throw malformed();
    const record = utf8(data.subarray(space + 1, pos + length - 1), subject);
    const eq = record.indexOf('=');
    if (eq <= 0) throw malformed();
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (['path', 'linkpath', 'uname', 'gname'].includes(key) ? value.includes('\0') : key.includes('\0')) throw malformed();
    records.set(key, value);
    pos += length;
  }
  return records;
}

/** The GNU atime/ctime fields as parser.parseNumeric reads them: a field whose first byte is NUL is not read. */
function gnuTimeParses(field: Buffer): boolean {
  if (field[0] === 0) return true;
  if ((field[0] & 0x80) !== 0) {
    // Base-256: overflow is ErrHeader.
    const inv = (field[0] & 0x40) !== 0 ? 0xff : 0;
    let high = 0n;
    for (let i = 0; i < field.length; i++) {
      let c = field[i] ^ inv;
      if (i === 0) c &= 0x7f;
      if (high >> 56n > 0n) return false;
      high = (high << 8n) | BigInt(c);
    }
    return high >> 63n === 0n;
  }
  const trimmed = field.toString('latin1').replace(/^[ \0]+|[ \0]+$/g, '');
  if (trimmed === '') return true;
  const text = trimmed.split('\0')[0];
  return /^[0-7]+$/.test(text) && BigInt(`0o${text}`) < 2n ** 64n;
}
