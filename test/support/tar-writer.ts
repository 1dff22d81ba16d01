/**
 * Writes tar headers exactly as a test asks, including the ones no well-behaved
 * writer produces: empty GNU long names, empty PAX records, GNU headers whose
 * atime/ctime hold a pre-Go1.8 prefix, duplicated names.
 */
export interface TarEntry {
  readonly name: string;
  /** Type flag; '0' by default. */
  readonly type?: string;
  readonly content?: string | Buffer;
  readonly linkName?: string;
  /** 'ustar' (default), 'gnu' ("ustar  \0") or 'v7' (no magic). */
  readonly format?: 'ustar' | 'gnu' | 'v7';
  /** Written at offset 345: the USTAR prefix, or (GNU) the atime/ctime fields. */
  readonly prefix?: string;
}

function header(entry: TarEntry, size: number): Buffer {
  const block = Buffer.alloc(512);
  Buffer.from(entry.name, 'utf8').copy(block, 0, 0, 100);
  block.write('0000644\0', 100, 'latin1');
  block.write('0000000\0', 108, 'latin1');
  block.write('0000000\0', 116, 'latin1');
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  block.write('14000000000\0', 136, 'latin1');
  block.write(entry.type ?? '0', 156, 'latin1');
  if (entry.linkName) Buffer.from(entry.linkName, 'utf8').copy(block, 157, 0, 100);
  const format = entry.format ?? 'ustar';
  if (format === 'ustar') block.write('ustar\x0000', 257, 'latin1');
  if (format === 'gnu') block.write('ustar  \0', 257, 'latin1');
  if (entry.prefix) Buffer.from(entry.prefix, 'utf8').copy(block, 345, 0, 155);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

export function tarArchive(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from(entry.content ?? '');
    parts.push(header(entry, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** PAX records "%d %s=%s\n". */
export function paxRecords(records: ReadonlyArray<readonly [string, string]>): string {
  return records
    .map(([key, value]) => {
      const body = ` ${key}=${value}\n`;
      const bodyBytes = Buffer.byteLength(body);
      let length = bodyBytes + 1;
      while (String(length).length + bodyBytes !== length) length++;
      return `${length}${body}`;
    })
    .join('');
}
