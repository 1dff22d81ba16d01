import { ArchiveFile, ImageArchive } from '@dind/policy';
import { posix } from 'node:path';
import { ContextRefusal, EntryData, TarReader } from '../tar-inspection/tar-reader';

/** The largest file kept (an image config, a manifest); a larger one is not inspected. */
export const MAX_KEPT_FILE_BYTES = 1024 * 1024;
/** All kept files together. */
export const MAX_KEPT_BYTES = 16 * 1024 * 1024;
/** Entries (and implied directories) remembered; a save has a few per image. */
export const MAX_ENTRIES = 65536;

const REGULAR = new Set(['0', '\0', '7']);

/**
 * Reads an image archive into what the daemon's load will find once it has
 * extracted it (moby pkg/archive Unpack, 20.10 to 26.1): the last entry of a
 * name replaces the one before (a directory merges with a directory), parents
 * are created as directories. Keeps the regular files that may be JSON, up to
 * a size each and a budget in all. Refuses what would make the extracted tree
 * differ from this model: an entry written through a link (the daemon follows
 * it, inside its directory), and a directory replaced by something else (the
 * daemon removes the whole subtree).
 */
export class ImageArchiveReader extends TarReader implements ImageArchive {
  private readonly entries = new Map<string, ArchiveFile>();
  private kept = 0;

  constructor(
    private readonly maxFileBytes = MAX_KEPT_FILE_BYTES,
    private readonly maxKeptBytes = MAX_KEPT_BYTES,
  ) {
    super('the image archive');
  }

  file(path: string): ArchiveFile | undefined {
    // safePath: filepath.Join(dir, path), cleaned; symlinks in the way were refused as they came.
    const cleaned = posix.normalize(`/${path}`).replace(/^\/+|\/+$/g, '');
    return this.entries.get(cleaned);
  }

  topLevelDirectories(): string[] {
    return [...this.entries].filter(([name, entry]) => entry.kind === 'dir' && !name.includes('/')).map(([name]) => name).sort();
  }

  protected entry(name: string, type: string, size: number): EntryData {
    // "." merges with the directory itself; a global header is ignored.
    if (name === '' || type === 'g') return 'skip';
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const existing = this.entries.get(parent);
      if (existing === undefined) this.remember(parent, { kind: 'dir' });
      else if (existing.kind === 'link') throw new ContextRefusal(`the image archive writes ${name} through the link ${parent}`);
      else if (existing.kind !== 'dir') throw new ContextRefusal(`the image archive writes ${name} under ${parent}, which is not a directory`);
    }
    const existing = this.entries.get(name);
    const isDir = type === '5';
    if (existing?.kind === 'dir') {
      if (isDir) return 'skip';
      throw new ContextRefusal(`the image archive replaces the directory ${name} with another entry`);
    }
    if (existing?.kind === 'file') this.kept -= existing.content.length;
    if (isDir) this.remember(name, { kind: 'dir' });
    else if (type === '1' || type === '2') this.remember(name, { kind: 'link' });
    else if (!REGULAR.has(type)) this.remember(name, { kind: 'other' });
    else if (size > this.maxFileBytes) this.remember(name, { kind: 'uninspected', reason: `larger than ${this.maxFileBytes} bytes` });
    else if (this.kept + size > this.maxKeptBytes) this.remember(name, { kind: 'uninspected', reason: `the archive's small files come to more than ${this.maxKeptBytes} bytes` });
    else {
      // Held for the budget until `captured` knows what it is.
      this.kept += size;
      this.remember(name, { kind: 'file', content: Buffer.alloc(size) });
      return 'capture';
    }
    return 'skip';
  }

  protected captured(name: string, content: Buffer): void {
    // Layers and other data are not read; only JSON is kept (it may start with whitespace).
    const first = content.find((byte) => byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d);
    if (first === 0x7b || first === 0x5b) {
      this.entries.set(name, { kind: 'file', content });
      return;
    }
    this.kept -= content.length;
    this.entries.set(name, { kind: 'uninspected', reason: 'not JSON' });
  }

  private remember(name: string, entry: ArchiveFile): void {
    if (!this.entries.has(name) && this.entries.size >= MAX_ENTRIES) throw new ContextRefusal(`the image archive has more than ${MAX_ENTRIES} entries to inspect`);
    this.entries.set(name, entry);
  }
}
