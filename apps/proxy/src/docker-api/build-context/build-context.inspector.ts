import { deny, PolicyDenial } from '@dind/policy';
import { Transform, TransformCallback } from 'node:stream';
import { createGunzip, Gunzip } from 'node:zlib';
import { ContextRefusal, DockerfileEntry, normalizeEntryName, TarScanner } from './tar-scanner';

/** Decides on the Dockerfile the build will read; undefined allows it. */
export type DockerfileCheck = (dockerfile: DockerfileEntry) => Promise<PolicyDenial | undefined>;

export interface BuildContextInspectorOptions {
  /** The `dockerfile` query parameter (empty: `Dockerfile`). */
  readonly dockerfile: string | undefined;
  readonly maxDockerfileBytes: number;
  readonly check: DockerfileCheck;
}

/** The largest Dockerfile read; a larger one is refused. */
export const MAX_DOCKERFILE_BYTES = 1024 * 1024;

/** Raw bytes kept back from the daemon until the decision, whatever else happens. */
export const HOLD_BACK_BYTES = 512;

const refusal = (reason: string) => deny('build.context', reason, 'body');

/** The Dockerfile path the builder reads, then the one it falls back to. */
export function dockerfileNames(query: string | undefined): string[] {
  if (query === undefined || query === '' || query === 'Dockerfile') return ['Dockerfile', 'dockerfile'];
  return [normalizeEntryName(query)];
}

/**
 * Sits between the client's build context and the daemon. Bytes pass as they
 * arrive, except that the end of the archive — its end-of-archive blocks, and
 * always the last HOLD_BACK_BYTES of what has arrived — is held until the
 * Dockerfile has been read and checked, so the daemon never has a complete
 * context before the decision. A gzip context is inspected through a gunzip
 * while its original bytes are forwarded; bzip2/xz/zstd are refused.
 *
 * Emits 'denied' (PolicyDenial) once and forwards nothing more after it.
 */
export class BuildContextInspector extends Transform {
  denial: PolicyDenial | undefined;
  private readonly scanner: TarScanner;
  private format: 'tar' | 'gzip' | undefined;
  private gunzip: Gunzip | undefined;
  private gunzipError: Error | undefined;
  private onGunzipError: (() => void) | undefined;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private decided = false;

  constructor(private readonly options: BuildContextInspectorOptions) {
    super();
    this.scanner = new TarScanner(dockerfileNames(options.dockerfile), options.maxDockerfileBytes);
    // The query was decoded as UTF-8; a replacement character may stand for bytes the daemon reads differently.
    if (options.dockerfile?.includes('\uFFFD')) this.refuse('the dockerfile parameter is not valid UTF-8');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.accept(chunk).then(() => callback(), (error: Error) => callback(error));
  }

  override _flush(callback: TransformCallback): void {
    this.finish().then(() => callback(), (error: Error) => callback(error));
  }

  private async accept(chunk: Buffer): Promise<void> {
    if (this.denial) return;
    if (this.decided) {
      this.push(chunk);
      return;
    }
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.format === undefined) {
      if (this.heldBytes < 6) return;
      if (!this.detect(Buffer.concat(this.held))) return;
      await this.inspect(Buffer.concat(this.held));
    } else {
      await this.inspect(chunk);
    }
    if (this.denial) return;
    if (this.scanner.ended) {
      await this.decide();
      return;
    }
    this.release(this.heldBytes - HOLD_BACK_BYTES);
  }

  private async finish(): Promise<void> {
    if (this.denial || this.decided) return;
    if (this.format === undefined) {
      const head = Buffer.concat(this.held);
      if (!this.detect(head)) return;
      await this.inspect(head);
    }
    if (this.gunzip && !this.denial) {
      const gunzip = this.gunzip;
      if (!this.gunzipError && !gunzip.destroyed) {
        await new Promise<void>((resolve) => {
          gunzip.once('end', resolve);
          gunzip.once('close', resolve);
          gunzip.once('error', () => resolve());
          gunzip.end();
        });
      }
      if (this.gunzipError && !this.scanner.ended) this.refuse(`the gzip build context is corrupt (${this.gunzipError.message})`);
    }
    if (this.denial) return;
    try {
      this.scanner.finish();
    } catch (error) {
      this.refuse((error as Error).message);
      return;
    }
    await this.decide();
  }

  /** False when the context's compression cannot be inspected (then it is refused). */
  private detect(head: Buffer): boolean {
    if (head[0] === 0x1f && head[1] === 0x8b) {
      this.format = 'gzip';
      this.gunzip = createGunzip();
      this.gunzip.on('data', (data: Buffer) => this.scan(data));
      this.gunzip.on('error', (error: Error) => {
        this.gunzipError = error;
        this.onGunzipError?.();
      });
      return true;
    }
    const compression =
      head.subarray(0, 3).toString('latin1') === 'BZh' ? 'bzip2'
      : head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) ? 'xz'
      : head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])) ? 'zstd'
      : head.length >= 4 && (head[0] & 0xf0) === 0x50 && head[1] === 0x2a && head[2] === 0x4d && head[3] === 0x18 ? 'zstd'
      : undefined;
    if (compression) {
      this.refuse(`a ${compression}-compressed build context cannot be inspected; send it uncompressed or gzip-compressed`);
      return false;
    }
    this.format = 'tar';
    return true;
  }

  private async inspect(raw: Buffer): Promise<void> {
    if (this.format === 'tar') {
      this.scan(raw);
      return;
    }
    const gunzip = this.gunzip!;
    if (this.gunzipError) return;
    // The gunzip emits everything the bytes so far decode to before the write
    // completes (inflate flushes all it can); the setImmediate lets queued
    // 'data' events run.
    await new Promise<void>((resolve) => {
      this.onGunzipError = resolve;
      gunzip.write(raw, () => resolve());
    });
    this.onGunzipError = undefined;
    await new Promise((resolve) => setImmediate(resolve));
    const error = this.gunzipError as Error | undefined;
    if (error && !this.scanner.ended && !this.denial) {
      this.refuse(`the gzip build context is corrupt (${error.message})`);
    }
  }

  private scan(data: Buffer): void {
    if (this.denial || this.scanner.ended) return;
    try {
      this.scanner.write(data);
    } catch (error) {
      if (!(error instanceof ContextRefusal)) throw error;
      this.refuse(error.message);
    }
  }

  private async decide(): Promise<void> {
    if (this.denial || this.decided) return;
    let dockerfile: DockerfileEntry;
    try {
      dockerfile = this.scanner.dockerfile();
    } catch (error) {
      if (!(error instanceof ContextRefusal)) throw error;
      this.refuse(error.message);
      return;
    }
    const denial = await this.options.check(dockerfile);
    if (denial) {
      this.deny(denial);
      return;
    }
    this.decided = true;
    this.release(this.heldBytes);
    this.gunzip?.destroy();
  }

  private release(bytes: number): void {
    if (bytes <= 0) return;
    const all = Buffer.concat(this.held);
    this.push(all.subarray(0, bytes));
    this.held = bytes < all.length ? [all.subarray(bytes)] : [];
    this.heldBytes = all.length - bytes;
  }

  private refuse(reason: string): void {
    this.deny(refusal(reason));
  }

  private deny(denial: PolicyDenial): void {
    if (this.denial) return;
    this.denial = denial;
    this.held = [];
    this.heldBytes = 0;
    this.gunzip?.destroy();
    this.emit('denied', denial);
  }
}
