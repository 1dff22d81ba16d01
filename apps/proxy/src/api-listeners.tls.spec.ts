import { DockerdSupervisor } from '@dind/daemon';
import { RESTRICTED } from '@dind/policy';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { connect as netConnect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, ConnectionOptions, TLSSocket } from 'node:tls';
import { ApiListeners } from './api-listeners';
import { HijackHandler } from './docker-api/hijack.handler';
import { clientIdentityOf } from './identity/client-identity';
import { ClientLimits } from './limits/client-limits';
import { DindMetrics } from './observability/dind-metrics';
import { DindCertificates } from './tls/dind-certificates';
import { OpensslRunner } from './tls/openssl.runner';

// The TLS listener: the same application, upgrade path and per-client limits
// as the plain one, with clients known by their verified certificate.

describe('ApiListeners with TLS', () => {
  let dir: string;
  let listeners: ApiListeners;
  let port: number;
  const reached: string[] = [];
  const upgraded: string[] = [];
  const certificates = new DindCertificates(new OpensslRunner());
  const file = (...parts: string[]) => readFileSync(join(dir, ...parts));

  /** A second client certificate from the same CA, with a SAN. */
  function issueClient(name: string, san?: string): { key: Buffer; cert: Buffer } {
    const key = join(dir, `${name}.key`);
    const csr = join(dir, `${name}.csr`);
    const ext = join(dir, `${name}.cnf`);
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    execFileSync('openssl', ['req', '-new', '-key', key, '-subj', `/CN=${name}`, '-out', csr]);
    writeFileSync(ext, `[ext]\nextendedKeyUsage = clientAuth\n${san ? `subjectAltName = ${san}\n` : ''}`);
    const cert = execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', join(dir, 'ca', 'cert.pem'), '-CAkey', join(dir, 'ca', 'key.pem'), '-set_serial', String(Date.now()), '-days', '1', '-extfile', ext, '-extensions', 'ext']);
    return { key: readFileSync(key), cert };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dind-tls-listener-'));
    const files = await certificates.ensure(dir, ['DNS:localhost', 'IP:127.0.0.1']);
    const supervisor = { state: 'ready', restarts: 0 } as unknown as DockerdSupervisor;
    const metrics = new DindMetrics(supervisor, RESTRICTED);
    const app = (req: IncomingMessage, res: ServerResponse) => {
      reached.push(`${req.method} ${req.url} ${clientIdentityOf(req.socket).name}`);
      res.end('app');
    };
    const hijack = {
      handle: async (req: IncomingMessage, socket: Socket) => {
        upgraded.push(`${req.method} ${req.url} ${clientIdentityOf(socket).name}`);
        socket.end('HTTP/1.1 101 UPGRADED\r\n\r\n');
      },
      destroyAll: () => undefined,
    } as unknown as HijackHandler;
    const limits = new ClientLimits({ clientMaxConnections: 1, clientMaxStreams: 4, maxStreams: 4, clientMaxPooled: 4 });
    listeners = new ApiListeners(app, hijack, () => undefined, { limits, metrics, headersTimeoutMs: 1000, maxHeaderBytes: 8192 });
    port = 20000 + Math.floor(Math.random() * 20000);
    await listeners.listen({ port, host: '127.0.0.1', socketMode: 0o660, tls: { files, reloadIntervalMs: 100 } });
  }, 60_000);

  afterAll(async () => {
    await listeners.close(100);
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    reached.length = 0;
    upgraded.length = 0;
  });

  const client = () => ({ key: file('client', 'key.pem'), cert: file('client', 'cert.pem') });
  const open = (options: ConnectionOptions) =>
    new Promise<TLSSocket>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ca: file('client', 'ca.pem'), servername: 'localhost', ...options }, () => resolve(socket));
      socket.once('error', reject);
    });
  /** Everything the server sends until it closes, or the error that ended the connection. */
  const exchange = (socket: TLSSocket, request: string, timeoutMs = 3000) =>
    new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(`${text}[error ${error.code ?? error.message}]`));
      socket.once('close', () => resolve(text));
      setTimeout(() => resolve(text), timeoutMs);
      socket.write(request);
    });
  const ping = 'GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

  it('serves a client whose certificate the CA signed, and knows it by the certificate subject', async () => {
    const text = await exchange(await open(client()), ping);
    expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(reached).toEqual(['GET /_ping CN=dind-service client']);
  });

  it('names a client by its CN and its SANs', async () => {
    const text = await exchange(await open(issueClient('runner-7', 'DNS:runner-7.ci, URI:spiffe://ci/runner-7')), ping);
    expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(reached).toEqual(['GET /_ping CN=runner-7,DNS:runner-7.ci,URI:spiffe://ci/runner-7']);
  });

  it('sends upgrades (attach, exec, BuildKit sessions) through the same path, with the same identity', async () => {
    const text = await exchange(await open(client()), 'POST /v1.41/exec/x/start HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 101 UPGRADED/);
    expect(upgraded).toEqual(['POST /v1.41/exec/x/start CN=dind-service client']);
  });

  it('gives a client without a certificate no API at all', async () => {
    const outcome = await open({}).then((socket) => exchange(socket, ping), (error: NodeJS.ErrnoException) => `[error ${error.code}]`);
    expect(outcome).not.toContain('HTTP/1.1');
    expect(outcome).toMatch(/\[error /);
    expect(reached).toEqual([]);
  });

  it('gives a certificate from another CA no API', async () => {
    const other = mkdtempSync(join(tmpdir(), 'dind-tls-other-'));
    try {
      await certificates.ensure(other, []);
      const foreign = { key: readFileSync(join(other, 'client', 'key.pem')), cert: readFileSync(join(other, 'client', 'cert.pem')) };
      const outcome = await open(foreign).then((socket) => exchange(socket, ping), (error: NodeJS.ErrnoException) => `[error ${error.code}]`);
      expect(outcome).not.toContain('HTTP/1.1');
      expect(reached).toEqual([]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses TLS older than 1.2', async () => {
    const outcome = await open({ ...client(), minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }).then(
      (socket) => exchange(socket, ping),
      (error: NodeJS.ErrnoException) => `[error ${error.code}]`,
    );
    expect(outcome).not.toContain('HTTP/1.1');
    const modern = await exchange(await open({ ...client(), maxVersion: 'TLSv1.2' }), ping);
    expect(modern).toMatch(/^HTTP\/1\.1 200 OK/);
  });

  it('counts connections per certificate identity (CLIENT_MAX_CONNECTIONS), not per address', async () => {
    const first = await open(client());
    const second = await open({ ...client(), localAddress: '127.0.0.2' } as ConnectionOptions);
    const refused = await exchange(second, ping);
    expect(refused).toMatch(/^HTTP\/1\.1 429 /);
    expect(refused).toContain('too many connections from CN=dind-service client: at most 1 at once (limit CLIENT_MAX_CONNECTIONS)');
    const other = await exchange(await open(issueClient('runner-8')), ping);
    expect(other).toMatch(/^HTTP\/1\.1 200 OK/);
    first.destroy();
  });

  it('cuts a connection that never finishes its handshake when the shutdown grace period ends', async () => {
    const metrics = new DindMetrics({ state: 'ready', restarts: 0 } as unknown as DockerdSupervisor, RESTRICTED);
    const limits = new ClientLimits({ clientMaxConnections: 4, clientMaxStreams: 4, maxStreams: 4, clientMaxPooled: 4 });
    const other = new ApiListeners(() => undefined, { destroyAll: () => undefined } as unknown as HijackHandler, () => undefined, { limits, metrics, headersTimeoutMs: 30_000, maxHeaderBytes: 8192 });
    const otherPort = port + 1;
    const files = { cert: join(dir, 'server', 'cert.pem'), key: join(dir, 'server', 'key.pem'), ca: join(dir, 'server', 'ca.pem') };
    await other.listen({ port: otherPort, host: '127.0.0.1', socketMode: 0o660, tls: { files, reloadIntervalMs: 1000 } });
    const silent = netConnect({ host: '127.0.0.1', port: otherPort });
    await new Promise((resolve) => silent.once('connect', resolve));
    const started = Date.now();
    await other.close(300);
    expect(Date.now() - started).toBeLessThan(2000);
    silent.destroy();
  });

  it('serves a replaced server certificate without a restart', async () => {
    const first = await open(client());
    const before = first.getPeerCertificate();
    first.destroy();
    await certificates.ensure(dir, ['DNS:localhost', 'IP:127.0.0.1', 'DNS:reloaded.example']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const socket = await open(client());
    const after = socket.getPeerCertificate();
    socket.destroy();
    expect(after.serialNumber).not.toBe(before.serialNumber);
    expect(after.subjectaltname).toContain('DNS:reloaded.example');
  }, 60_000);
});
