import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A client certificate for `/CN=<cn>` in `<certDir>/<dirName>` (ca.pem,
 * cert.pem, key.pem, as DOCKER_CERT_PATH wants them), signed by the CA a
 * sidecar instance generated under DOCKER_TLS_CERTDIR=certDir: a second
 * identity for ownership tests.
 */
export function issueClientCertificate(certDir: string, dirName: string, cn: string): string {
  const dir = join(certDir, dirName);
  mkdirSync(dir);
  execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-subj', `/CN=${cn}`, '-out', join(dir, 'csr.pem')], { stdio: 'ignore' });
  writeFileSync(join(dir, 'ext.cnf'), '[ext]\nextendedKeyUsage = clientAuth\n');
  execFileSync('openssl', ['x509', '-req', '-in', join(dir, 'csr.pem'), '-CA', join(certDir, 'ca', 'cert.pem'), '-CAkey', join(certDir, 'ca', 'key.pem'), '-set_serial', '7', '-days', '2', '-extfile', join(dir, 'ext.cnf'), '-extensions', 'ext', '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  copyFileSync(join(certDir, 'client', 'ca.pem'), join(dir, 'ca.pem'));
  return dir;
}
