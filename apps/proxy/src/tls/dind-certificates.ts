import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, closeSync, constants, existsSync, fchmodSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpensslRunner } from './openssl.runner';

/** The files a TLS listener serves from. */
export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

// docker:dind's lifetime: under the 825 days clients such as macOS accept.
const VALID_DAYS = 825;
// A certificate this close to its end is issued anew at start.
const RENEW_BEFORE_MS = 30 * 24 * 3_600_000;
const KEY_BITS = '4096';

export const SUBJECTS = {
  ca: '/CN=dind-service CA',
  server: '/CN=dind-service server',
  client: '/CN=dind-service client',
} as const;

/**
 * docker:dind's layout under DOCKER_TLS_CERTDIR:
 *   ca/{key,cert}.pem            the CA (its key never leaves ca/)
 *   server/{ca,cert,key}.pem     what the listener serves
 *   client/{ca,cert,key}.pem     what a job mounts as DOCKER_CERT_PATH
 * Keys are made once and kept. The CA and the client certificate are kept
 * while they are valid, so clients that copied them keep working across
 * restarts; the server certificate is issued at every start, because the
 * container's names and addresses may have changed. Without ca/key.pem but with
 * server/{ca,cert,key}.pem the operator manages the CA and nothing is written.
 */
export class DindCertificates {
  constructor(
    private readonly openssl: OpensslRunner,
    private readonly now: () => number = Date.now,
  ) {}

  async ensure(dir: string, serverNames: readonly string[]): Promise<CertificateFiles> {
    const path = (...parts: string[]) => join(dir, ...parts);
    const server = { cert: path('server', 'cert.pem'), key: path('server', 'key.pem'), ca: path('server', 'ca.pem') };
    const caKey = path('ca', 'key.pem');
    const caCert = path('ca', 'cert.pem');
    if (!existsSync(caKey) && existsSync(server.cert) && existsSync(server.key) && existsSync(server.ca)) return server;

    mkdirDir(path('ca'), 0o700);
    mkdirDir(path('server'), 0o700);
    // Jobs mount this directory and read it as whatever user they run as.
    mkdirDir(path('client'), 0o755);
    await this.ensureKey(caKey, 0o600);
    if (!this.stillValid(caCert, caKey)) {
      const pem = await this.openssl.run(
        ['req', '-new', '-x509', '-key', caKey, '-subj', SUBJECTS.ca, '-days', String(VALID_DAYS), '-sha256',
         '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
      );
      writeAtomically(caCert, pem, 0o644);
    }
    const ca = readFileSync(caCert, 'utf8');

    await this.ensureKey(server.key, 0o600);
    await this.issue(server.key, server.cert, SUBJECTS.server, 'serverAuth', serverNames, { key: caKey, cert: caCert });
    writeAtomically(server.ca, ca, 0o644);

    const client = { cert: path('client', 'cert.pem'), key: path('client', 'key.pem'), ca: path('client', 'ca.pem') };
    // docker:dind's choice, for the same reason: the job that mounts client/ may run as any user.
    await this.ensureKey(client.key, 0o644);
    if (!this.stillValid(client.cert, client.key, ca)) {
      await this.issue(client.key, client.cert, SUBJECTS.client, 'clientAuth', [], { key: caKey, cert: caCert });
    }
    writeAtomically(client.ca, ca, 0o644);
    return server;
  }

  private async ensureKey(file: string, mode: number): Promise<void> {
    if (keepKey(file, mode)) return;
    const pem = await this.openssl.run(['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${KEY_BITS}`]);
    writeAtomically(file, pem, mode);
  }

  /** Issued by `issuer`, for `names` (`DNS:…`, `IP:…`). */
  private async issue(
    keyFile: string,
    certFile: string,
    subject: string,
    usage: 'serverAuth' | 'clientAuth',
    names: readonly string[],
    issuer: { key: string; cert: string },
  ): Promise<void> {
    const csr = await this.openssl.run(['req', '-new', '-key', keyFile, '-subj', subject]);
    const work = mkdtempSync(join(tmpdir(), 'dind-service-tls-'));
    try {
      const extensions = join(work, 'extensions.cnf');
      writeFileSync(
        extensions,
        [
          '[ext]',
          'basicConstraints = critical, CA:FALSE',
          'keyUsage = critical, digitalSignature, keyEncipherment',
          `extendedKeyUsage = ${usage}`,
          ...(names.length > 0 ? [`subjectAltName = ${names.join(', ')}`] : []),
          '',
        ].join('\n'),
      );
      // A random serial: two certificates of one CA never share one, even across data directories.
      const serial = `0x${(randomBytes(16)[0] & 0x7f).toString(16).padStart(2, '0')}${randomBytes(15).toString('hex')}`;
      const pem = await this.openssl.run(
        ['x509', '-req', '-CA', issuer.cert, '-CAkey', issuer.key, '-set_serial', serial, '-days', String(VALID_DAYS), '-sha256',
         '-extfile', extensions, '-extensions', 'ext'],
        csr,
      );
      writeAtomically(certFile, pem, 0o644);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  /** Present, made for `keyFile`'s key, signed by `caPem` (when given) and not near its end. */
  private stillValid(file: string, keyFile: string, caPem?: string): boolean {
    if (!existsSync(file)) return false;
    try {
      const cert = new X509Certificate(readFileSync(file));
      if (Date.parse(cert.validTo) - this.now() < RENEW_BEFORE_MS) return false;
      if (!cert.checkPrivateKey(createPrivateKey(readFileSync(keyFile)))) return false;
      return caPem === undefined || cert.verify(new X509Certificate(caPem).publicKey);
    } catch {
      return false;
    }
  }
}

/**
 * A key file is kept if it is a regular file holding a key; its mode is set
 * through the open file. `client/` is shared with jobs that may write to it: a
 * symlink planted there (say, to ../ca/key.pem) is never followed, so a restart
 * can neither make the CA key readable nor be fooled into reusing it.
 */
function keepKey(file: string, mode: number): boolean {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    if (!fstatSync(fd).isFile() || !readFileSync(fd, 'utf8').includes('PRIVATE KEY')) return false;
    fchmodSync(fd, mode);
    return true;
  } finally {
    closeSync(fd);
  }
}

function mkdirDir(dir: string, mode: number): void {
  mkdirSync(dir, { recursive: true, mode });
  chmodSync(dir, mode);
}

/**
 * Written whole or not at all: a listener reloading the file never reads half
 * of it. The temporary file is created exclusively (a symlink in its place is
 * removed, never written through), and the rename replaces whatever `file` was.
 */
function writeAtomically(file: string, content: string, mode: number): void {
  const temporary = `${file}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    writeFileSync(fd, content);
    fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
}
