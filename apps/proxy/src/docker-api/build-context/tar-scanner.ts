import { ContextRefusal, EntryData, normalizeEntryName, TarReader } from '../tar-inspection/tar-reader';

/**
 * Reads a build context far enough to know which file the build will read as
 * its Dockerfile: last-entry-wins, and symlinks that could redirect the
 * Dockerfile. Keeps only the Dockerfile's bytes. The tar itself is read as Go
 * reads it (TarReader).
 */

export { ContextRefusal, normalizeEntryName };

const MAX_LINK_NAME_BYTES = 16 * 1024 * 1024;
const REGULAR = new Set(['0', '\0', '7']);

type Candidate =
  | { readonly kind: 'file'; readonly content: Buffer }
  | { readonly kind: 'link' | 'other' | 'too-large' };

export interface DockerfileEntry {
  readonly name: string;
  readonly content: Buffer;
}

export class TarScanner extends TarReader {
  private readonly links = new Set<string>();
  private linkBytes = 0;
  private readonly candidates = new Map<string, Candidate>();

  /**
   * @param names the Dockerfile's path, and the fallback the builder tries when it is missing
   */
  constructor(
    private readonly names: readonly string[],
    private readonly maxDockerfileBytes: number,
  ) {
    super('the build context');
  }

  /** The file the builder will read as its Dockerfile, after the archive ended. */
  dockerfile(): DockerfileEntry {
    for (const name of this.names) {
      const candidate = this.candidates.get(name);
      if (candidate === undefined) continue;
      if (candidate.kind === 'file') {
        // Go's parser works on the bytes, partly as runes; bytes that are not UTF-8 are not mirrored.
        if (!Buffer.from(candidate.content.toString('utf8'), 'utf8').equals(candidate.content)) {
          throw new ContextRefusal(`the Dockerfile ${name} is not valid UTF-8; it cannot be inspected`);
        }
        return { name, content: candidate.content };
      }
      if (candidate.kind === 'too-large') throw new ContextRefusal(`the Dockerfile ${name} is larger than ${this.maxDockerfileBytes} bytes`);
      if (candidate.kind === 'link') throw new ContextRefusal(`the Dockerfile ${name} is a link; links to a Dockerfile are not inspected`);
      throw new ContextRefusal(`the Dockerfile ${name} is not a regular file`);
    }
    throw new ContextRefusal(`the build context has no Dockerfile ${this.names[0]}`);
  }

  protected entry(name: string, type: string, size: number): EntryData {
    if (name === '') return 'skip';
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (this.links.has(parts.slice(0, i).join('/'))) {
        throw new ContextRefusal(`the build context writes ${name} through the link ${parts.slice(0, i).join('/')}`);
      }
    }
    const isLink = type === '1' || type === '2';
    if (isLink) {
      if (!this.links.has(name)) {
        this.linkBytes += name.length;
        if (this.linkBytes > MAX_LINK_NAME_BYTES) throw new ContextRefusal('the build context has too many links to inspect');
        this.links.add(name);
      }
      // A link on the Dockerfile's path redirects what the builder reads.
      for (const candidate of this.names) {
        if (candidate.startsWith(`${name}/`)) throw new ContextRefusal(`the build context replaces ${name}, a directory on the Dockerfile's path, with a link`);
      }
    } else {
      this.links.delete(name);
    }
    if (!this.names.includes(name)) return 'skip';
    if (isLink) {
      this.candidates.set(name, { kind: 'link' });
      return 'skip';
    }
    if (!REGULAR.has(type)) {
      this.candidates.set(name, { kind: 'other' });
      return 'skip';
    }
    if (size > this.maxDockerfileBytes) {
      this.candidates.set(name, { kind: 'too-large' });
      return 'skip';
    }
    return 'capture';
  }

  protected captured(name: string, content: Buffer): void {
    this.candidates.set(name, { kind: 'file', content });
  }
}
