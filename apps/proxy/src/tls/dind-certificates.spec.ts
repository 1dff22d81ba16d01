import { createPrivateKey, X509Certificate } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DindCertificates } from './dind-certificates';
import { OpensslRunner } from './openssl.runner';

// Real openssl, real files: the layout is what docker:dind jobs mount.

describe('DindCertificates', () => {
  let dir: string;
  const certificates = new DindCertificates(new OpensslRunner());
  const read = (...parts: string[]) => readFileSync(join(dir, ...parts), 'utf8');
  const cert = (...parts: string[]) => new X509Certificate(read(...parts));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dind-certs-'));
    await certificates.ensure(dir, ['DNS:docker', 'DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes docker:dind\'s layout: ca/{key,cert}, server/{ca,cert,key}, client/{ca,cert,key}', () => {
    for (const file of ['ca/key.pem', 'ca/cert.pem', 'server/ca.pem', 'server/cert.pem', 'server/key.pem', 'client/ca.pem', 'client/cert.pem', 'client/key.pem']) {
      expect(statSync(join(dir, file)).size).toBeGreaterThan(0);
    }
    expect(read('server', 'ca.pem')).toBe(read('ca', 'cert.pem'));
    expect(read('client', 'ca.pem')).toBe(read('ca', 'cert.pem'));
  });

  it('keeps the CA key to itself and shares the client key with whoever mounts client/', () => {
    expect(statSync(join(dir, 'ca', 'key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'ca')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'server', 'key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'client', 'key.pem')).mode & 0o777).toBe(0o644);
  });

  it('issues a server certificate for the given names and a client certificate for client authentication, both from the CA', () => {
    const ca = cert('ca', 'cert.pem');
    expect(ca.ca).toBe(true);
    const server = cert('server', 'cert.pem');
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.subjectAltName).toBe('DNS:docker, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const client = cert('client', 'cert.pem');
    expect(client.verify(ca.publicKey)).toBe(true);
    expect(client.subject).toBe('CN=dind-service client');
    expect(client.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(client.ca).toBe(false);
  });

  it('reuses the CA and the client certificate on a later start and issues the server certificate anew for the current names', async () => {
    const before = { ca: read('ca', 'cert.pem'), caKey: read('ca', 'key.pem'), client: read('client', 'cert.pem'), server: read('server', 'cert.pem'), serverKey: read('server', 'key.pem') };
    await certificates.ensure(dir, ['DNS:docker', 'IP:10.1.2.3']);
    expect(read('ca', 'cert.pem')).toBe(before.ca);
    expect(read('ca', 'key.pem')).toBe(before.caKey);
    expect(read('client', 'cert.pem')).toBe(before.client);
    expect(read('server', 'key.pem')).toBe(before.serverKey);
    expect(read('server', 'cert.pem')).not.toBe(before.server);
    expect(cert('server', 'cert.pem').subjectAltName).toBe('DNS:docker, IP Address:10.1.2.3');
  }, 60_000);

  it('issues a client certificate anew when its key was replaced', async () => {
    const before = read('client', 'cert.pem');
    rmSync(join(dir, 'client', 'key.pem'));
    await certificates.ensure(dir, ['DNS:docker']);
    expect(read('client', 'cert.pem')).not.toBe(before);
    expect(cert('client', 'cert.pem').checkPrivateKey(createPrivateKey(read('client', 'key.pem')))).toBe(true);
  }, 60_000);

  it('never follows a symlink a job planted in client/: the CA key stays 0600 and is not reused', async () => {
    const caKey = read('ca', 'key.pem');
    rmSync(join(dir, 'client', 'key.pem'));
    symlinkSync(join(dir, 'ca', 'key.pem'), join(dir, 'client', 'key.pem'));
    symlinkSync(join(dir, 'ca', 'key.pem'), join(dir, 'client', `cert.pem.${process.pid}.tmp`));
    await certificates.ensure(dir, ['DNS:docker']);
    expect(statSync(join(dir, 'ca', 'key.pem')).mode & 0o777).toBe(0o600);
    expect(read('ca', 'key.pem')).toBe(caKey);
    expect(lstatSync(join(dir, 'client', 'key.pem')).isFile()).toBe(true);
    expect(read('client', 'key.pem')).not.toBe(caKey);
    expect(cert('client', 'cert.pem').checkPrivateKey(createPrivateKey(read('client', 'key.pem')))).toBe(true);
  }, 60_000);

  it('leaves an operator-managed server/ alone when there is no CA key', async () => {
    const own = mkdtempSync(join(tmpdir(), 'dind-certs-own-'));
    try {
      await certificates.ensure(own, ['DNS:docker']);
      rmSync(join(own, 'ca', 'key.pem'));
      writeFileSync(join(own, 'server', 'marker'), '');
      const server = readFileSync(join(own, 'server', 'cert.pem'), 'utf8');
      const files = await certificates.ensure(own, ['DNS:other']);
      expect(files).toEqual({ cert: join(own, 'server', 'cert.pem'), key: join(own, 'server', 'key.pem'), ca: join(own, 'server', 'ca.pem') });
      expect(readFileSync(join(own, 'server', 'cert.pem'), 'utf8')).toBe(server);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  }, 60_000);
});
