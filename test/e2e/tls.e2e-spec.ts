import Docker from 'dockerode';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, PeerCertificate } from 'node:tls';
import { CliResult, docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { SidecarInstance, startSidecarInstance } from '../support/sidecar-instance';

// docker:dind's contract, end to end: a second dind-service in front of the
// run's daemon with DOCKER_TLS_CERTDIR, driven by both docker CLIs and dockerode
// with DOCKER_HOST=tcp://…, DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH=<certdir>/client,
// exactly as a GitLab CI job talks to a docker:dind service.

const state = e2eState();
const CLI_20 = '/usr/bin/docker';
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
const POLICY = 'name: tls-e2e\nbuildkitSessions: true\n';

describe('TLS with docker:dind\'s DOCKER_TLS_CERTDIR', () => {
  const certDir = mkdtempSync(join(state.baseDir, 'certs-'));
  const clientDir = join(certDir, 'client');
  let instance: SidecarInstance;
  const tlsEnv = () => ({ DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: clientDir });
  const cli = (binary: string, args: string[], timeoutMs = 120_000): Promise<CliResult> =>
    docker(binary, instance.tcpHost, args, { env: tlsEnv(), timeoutMs });
  const start = () => startSidecarInstance(state, 'tls', POLICY, { DOCKER_TLS_CERTDIR: certDir, TLS_RELOAD_INTERVAL_MS: '300' });

  /** The certificate the listener serves right now, and whether the handshake (without a client certificate) got that far. */
  const servedCertificate = () =>
    new Promise<PeerCertificate>((resolve, reject) => {
      const socket = connect(
        { host: '127.0.0.1', port: instance.apiPort, ca: readFileSync(join(clientDir, 'ca.pem')), key: readFileSync(join(clientDir, 'key.pem')), cert: readFileSync(join(clientDir, 'cert.pem')), servername: 'localhost' },
        () => {
          resolve(socket.getPeerCertificate());
          socket.destroy();
        },
      );
      socket.once('error', reject);
    });

  beforeAll(async () => {
    instance = await start();
  }, 120_000);
  afterAll(async () => instance?.stop());

  it('generates a CA, a server and a client certificate in docker:dind\'s layout, and listens with TLS', () => {
    const ca = new X509Certificate(readFileSync(join(certDir, 'ca', 'cert.pem')));
    const server = new X509Certificate(readFileSync(join(certDir, 'server', 'cert.pem')));
    const client = new X509Certificate(readFileSync(join(clientDir, 'cert.pem')));
    expect(server.verify(ca.publicKey) && client.verify(ca.publicKey)).toBe(true);
    expect(server.subjectAltName).toEqual(expect.stringContaining('DNS:localhost'));
    expect(server.subjectAltName).toEqual(expect.stringContaining('DNS:docker'));
    expect(server.subjectAltName).toEqual(expect.stringContaining('IP Address:127.0.0.1'));
    expect(readFileSync(join(clientDir, 'ca.pem'), 'utf8')).toBe(readFileSync(join(certDir, 'ca', 'cert.pem'), 'utf8'));
    expect(instance.log()).toContain('(TLS, client certificates verified against');
  });

  describe.each(state.clis.map((binary) => [binary]))('%s with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH', (binary) => {
    it('docker version', async () => {
      const result = await cli(binary, ['version', '--format', '{{.Server.Version}} {{.Server.APIVersion}}']);
      expect(result.stderr).toBe('');
      expect(text(result)).toMatch(/^\d+\.\d+\.\d+\S* 1\.\d+$/);
    });

    it('docker run --rm echo hi, and docker run -i (attach with stdin)', async () => {
      const run = await cli(binary, ['run', '--rm', state.image, 'echo', 'hi']);
      expect(run.stderr).toBe('');
      expect(text(run)).toBe('hi');
      const attached = await docker(binary, instance.tcpHost, ['run', '-i', '--rm', state.image, 'cat'], { env: tlsEnv(), input: 'through the tls attach\n' });
      expect(text(attached)).toBe('through the tls attach');
    });

    it('a classic docker build', async () => {
      const dir = mkdtempSync(join(state.baseDir, 'tls-build-'));
      writeFileSync(join(dir, 'Dockerfile'), `FROM ${state.image}\nRUN echo built > /built\nCMD ["cat", "/built"]\n`);
      const tag = `dind-test/${unique('tls-build')}`;
      const build = await docker(binary, instance.tcpHost, ['build', '-t', tag, dir], { env: { ...tlsEnv(), DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 });
      expect(build.code).toBe(0);
      expect(text(await cli(binary, ['run', '--rm', tag]))).toBe('built');
      await cli(binary, ['rmi', '-f', tag]);
    });

    it('docker run --privileged is refused with the policy\'s message naming the client\'s certificate subject', async () => {
      const result = await cli(binary, ['run', '--rm', '--privileged', state.image, 'true']);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(
        /Error response from daemon: dind-service policy denied the request: HostConfig\.Privileged=true: privileged containers are not allowed \(rule privileged\) \[request id [0-9a-f]+\] \[client CN=dind-service client\]/,
      );
    });
  });

  it('DOCKER_BUILDKIT=1 docker build (20.10 CLI: the h2c /session upgrade) over TLS', async () => {
    const dir = mkdtempSync(join(state.baseDir, 'tls-bk-'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY a /a\n');
    writeFileSync(join(dir, 'a'), 'x');
    const tag = `dind-test/${unique('tls-bk')}`;
    const build = await docker(CLI_20, instance.tcpHost, ['build', '--progress=plain', '-t', tag, dir], { env: { ...tlsEnv(), DOCKER_BUILDKIT: '1' }, timeoutMs: 120_000 });
    expect(build.stderr).not.toContain('denied');
    expect(build.code).toBe(0);
    // The session went through the upgrade path of the TLS listener, under the certificate's name.
    const page = (await (
      await fetch(`${instance.adminUrl}/audit?route=${encodeURIComponent('/session')}&client=${encodeURIComponent('CN=dind-service client')}&limit=5`, {
        headers: { Authorization: `Bearer ${state.adminToken}` },
      })
    ).json()) as { records: { routeClass: string; decision: string }[] };
    expect(page.records[0]).toMatchObject({ routeClass: 'hijacked', decision: 'allowed' });
    await cli(CLI_20, ['rmi', '-f', tag]);
  });

  it('records the denial under the certificate subject, found by client= in the audit API', async () => {
    const denied = await cli(state.clis[0], ['run', '--rm', '--privileged', state.image, 'true']);
    const requestId = /\[request id ([0-9a-f]+)\]/.exec(denied.stderr)![1];
    const page = (await (
      await fetch(`${instance.adminUrl}/audit?client=${encodeURIComponent('CN=dind-service client')}&rule=privileged&limit=50`, { headers: { Authorization: `Bearer ${state.adminToken}` } })
    ).json()) as { records: { requestId: string; client: string }[] };
    const record = page.records.find((r) => r.requestId === requestId);
    expect(record?.client).toMatch(/^CN=dind-service client@127\.0\.0\.1:\d+$/);
    expect(instance.log()).toMatch(new RegExp(`"event":"denied","requestId":"${requestId}".*"client":"CN=dind-service client@127\\.0\\.0\\.1:\\d+"`));
  });

  it('dockerode over TLS lists containers', async () => {
    const client = new Docker({
      protocol: 'https',
      host: '127.0.0.1',
      port: instance.apiPort,
      ca: readFileSync(join(clientDir, 'ca.pem')),
      cert: readFileSync(join(clientDir, 'cert.pem')),
      key: readFileSync(join(clientDir, 'key.pem')),
    });
    const name = unique('tls-dockerode');
    const container = await client.createContainer({ Image: state.image, Cmd: ['sleep', '30'], name });
    try {
      const listed = await client.listContainers({ all: true });
      expect(listed.map((c) => c.Names[0])).toContain(`/${name}`);
    } finally {
      await container.remove({ force: true });
    }
  });

  it('gives a client without a certificate no API: not the CLI, not plain HTTP, not a TLS client without one', async () => {
    const caOnly = mkdtempSync(join(state.baseDir, 'ca-only-'));
    writeFileSync(join(caOnly, 'ca.pem'), readFileSync(join(clientDir, 'ca.pem')));
    const withoutCert = await docker(CLI_20, instance.tcpHost, ['version', '--format', '{{.Server.Version}}'], { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: caOnly } });
    expect(withoutCert.code).not.toBe(0);
    expect(text(withoutCert)).toBe('');
    const plain = await docker(CLI_20, instance.tcpHost, ['version', '--format', '{{.Server.Version}}']);
    expect(plain.code).not.toBe(0);
    expect(text(plain)).toBe('');
    const raw = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: instance.apiPort, ca: readFileSync(join(clientDir, 'ca.pem')), servername: 'localhost' }, () =>
        socket.write('GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n'),
      );
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(`${received}[${error.code}]`));
      socket.on('close', () => resolve(received));
    });
    expect(raw).not.toContain('HTTP/1.1');
    expect(raw).toMatch(/\[ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\]|\[ECONNRESET\]/);
    expect(instance.log()).toContain('"event":"tls-refused"');
  });

  it('serves a replaced server certificate without a restart', async () => {
    const before = await servedCertificate();
    // A rotation as cert-manager or an operator does it: a new certificate from the same CA, written in one rename.
    const work = mkdtempSync(join(state.baseDir, 'rotate-'));
    writeFileSync(join(work, 'ext.cnf'), '[ext]\nextendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost, DNS:rotated.example, IP:127.0.0.1\n');
    const csr = execFileSync('openssl', ['req', '-new', '-key', join(certDir, 'server', 'key.pem'), '-subj', '/CN=rotated server']);
    const cert = execFileSync('openssl', ['x509', '-req', '-CA', join(certDir, 'ca', 'cert.pem'), '-CAkey', join(certDir, 'ca', 'key.pem'), '-set_serial', '4242', '-days', '2', '-extfile', join(work, 'ext.cnf'), '-extensions', 'ext'], { input: csr });
    writeFileSync(join(work, 'cert.pem'), cert);
    renameSync(join(work, 'cert.pem'), join(certDir, 'server', 'cert.pem'));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await servedCertificate();
    expect(before.subjectaltname).not.toContain('rotated.example');
    expect(after.subjectaltname).toContain('DNS:rotated.example');
    expect(after.subject.CN).toBe('rotated server');
    expect(text(await cli(CLI_20, ['version', '--format', '{{.Server.Version}}']))).not.toBe('');
    expect(instance.log()).toContain('"event":"tls-reloaded"');
  });

  it('keeps the CA and the client certificate across a restart: the job\'s copy goes on working', async () => {
    const ca = readFileSync(join(certDir, 'ca', 'cert.pem'), 'utf8');
    const clientCert = readFileSync(join(clientDir, 'cert.pem'), 'utf8');
    const stopping = Date.now();
    await instance.stop();
    // A graceful stop: the TLS listener and its certificate watcher do not hold the process.
    expect(instance.log()).toMatch(/"stopped"|stopped/);
    expect(Date.now() - stopping).toBeLessThan(10_000);
    instance = await start();
    expect(readFileSync(join(certDir, 'ca', 'cert.pem'), 'utf8')).toBe(ca);
    expect(readFileSync(join(clientDir, 'cert.pem'), 'utf8')).toBe(clientCert);
    const result = await cli(state.clis[state.clis.length - 1], ['run', '--rm', state.image, 'echo', 'after restart']);
    expect(text(result)).toBe('after restart');
    // The restart issued a server certificate for the current names again.
    expect((await servedCertificate()).subjectaltname).not.toContain('rotated.example');
  }, 120_000);
});
