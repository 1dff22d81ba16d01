import { PolicyDenial } from '@dind/policy';
import { Transform, TransformCallback } from 'node:stream';
import { createGunzip, Gunzip } from 'node:zlib';
import { ContextRefusal, TarReader } from './tar-reader';

/** Raw bytes kept back from the daemon until the decision, whatever else happens. */
export const HOLD_BACK_BYTES = 512;

/**
 * Sits between a client's tar body and the daemon. Bytes pass as they arrive,
 * except that the end of the archive — its end-of-archive blocks, and always
 * the last HOLD_BACK_BYTES of what has arrived — is held until the subclass
 * has decided on what the reader saw, so the daemon never has a complete body
 * before the decision: cut off, its read of the body fails. A gzip body is
 * inspected through a gunzip while its original bytes are forwarded;
 * bzip2/xz/zstd (which the daemon would decompress) are refused.
 *
 * Emits 'denied' (PolicyDenial) once and forwards nothing more after it.
 */
export abstract class HeldTarStream<Reader extends TarReader = TarReader> extends Transform {
  denial: PolicyDenial | undefined;
  private format: 'tar' | 'gzip' | undefined;
  private gunzip: Gunzip | undefined;
  private gunzipError: Error | undefined;
  private onGunzipError: (() => void) | undefined;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private decided = false;

  /**
   * @param reader reads the (decompressed) tar
   * @param noun the body as messages name it ('build context')
   * @param refusal the denial for a body that cannot be inspected
   */
  protected constructor(
    protected readonly reader: Reader,
    private readonly noun: string,
    private readonly refusal: (reason: string) => PolicyDenial,
  ) {
    super();
  }

  /** The decision once the archive has ended; undefined allows it. May throw ContextRefusal. */
  protected abstract decision(): Promise<PolicyDenial | undefined>;

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
    if (this.reader.ended) {
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
      if (this.gunzipError && !this.reader.ended) this.refuse(`the gzip ${this.noun} is corrupt (${this.gunzipError.message})`);
    }
    if (this.denial) return;
    try {
      this.reader.finish();
    } catch (error) {
      this.refuse((error as Error).message);
      return;
    }
    await this.decide();
  }

  /** False when the body's compression cannot be inspected (then it is refused). */
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
      this.refuse(`a ${compression}-compressed ${this.noun} cannot be inspected; send it uncompressed or gzip-compressed`);
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
    if (error && !this.reader.ended && !this.denial) {
      this.refuse(`the gzip ${this.noun} is corrupt (${error.message})`);
    }
  }

  private scan(data: Buffer): void {
    if (this.denial || this.reader.ended) return;
    try {
      this.reader.write(data);
    } catch (error) {
      if (!(error instanceof ContextRefusal)) throw error;
      this.refuse(error.message);
    }
  }

  private async decide(): Promise<void> {
    if (this.denial || this.decided) return;
    let denial: PolicyDenial | undefined;
    try {
      denial = await this.decision();
    } catch (error) {
      if (!(error instanceof ContextRefusal)) throw error;
      this.refuse(error.message);
      return;
    }
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

  protected refuse(reason: string): void {
    this.deny(this.refusal(reason));
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
