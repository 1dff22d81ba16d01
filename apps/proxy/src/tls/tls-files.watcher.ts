import { Logger } from '@nestjs/common';
import { readFileSync, statSync } from 'node:fs';
import { createSecureContext, SecureContextOptions } from 'node:tls';
import { CertificateFiles } from './dind-certificates';

/**
 * Reads the listener's certificate, key and CA, and reads them again when any
 * of them changes. Files are stat()ed by path on an interval rather than
 * watched: a Kubernetes secret volume swaps a symlink, which fs.watch on the
 * old file never reports. A half-written set (a new certificate next to the old
 * key) fails to load and is tried again on the next change; the listener keeps
 * serving what it had.
 */
export class TlsFilesWatcher {
  private readonly logger = new Logger('tls');
  private timer?: NodeJS.Timeout;
  private seen: string;
  private failedOn?: string;

  constructor(
    private readonly files: CertificateFiles,
    private readonly intervalMs: number,
  ) {
    this.seen = this.signature();
  }

  /** The files as secure-context options; throws if they do not make one (key not matching the certificate, bad PEM). */
  read(): SecureContextOptions {
    const options = { cert: readFileSync(this.files.cert), key: readFileSync(this.files.key), ca: readFileSync(this.files.ca) };
    createSecureContext(options);
    return options;
  }

  /** Calls `apply` with the new options whenever the files change and load. */
  start(apply: (options: SecureContextOptions) => void): void {
    this.timer = setInterval(() => this.check(apply), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(apply: (options: SecureContextOptions) => void): void {
    const signature = this.signature();
    if (signature === this.seen) return;
    try {
      apply(this.read());
      this.seen = signature;
      this.failedOn = undefined;
      this.logger.log({ event: 'tls-reloaded', cert: this.files.cert });
    } catch (error) {
      if (this.failedOn !== signature) this.logger.warn({ event: 'tls-reload-failed', cert: this.files.cert, error: (error as Error).message });
      this.failedOn = signature;
    }
  }

  private signature(): string {
    return [this.files.cert, this.files.key, this.files.ca]
      .map((file) => {
        try {
          const stat = statSync(file);
          return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
        } catch {
          return 'missing';
        }
      })
      .join('|');
  }
}
