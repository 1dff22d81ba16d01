import { Logger } from '@nestjs/common';
import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, RequestListener, Server, ServerOptions, ServerResponse, STATUS_CODES } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { TLSSocket } from 'node:tls';
import { connect, createServer as createNetServer, Server as NetServer, Socket } from 'node:net';
import { dirname } from 'node:path';
import { HijackHandler } from './docker-api/hijack.handler';
import { dockerErrorBody, writeDockerErrorToSocket } from './docker-api/docker-error.response';
import { ClientLimits, clientKeyOf, LimitRefusal } from './limits/client-limits';
import { DindMetrics } from './observability/dind-metrics';
import { CertificateFiles } from './tls/dind-certificates';
import { TlsFilesWatcher } from './tls/tls-files.watcher';

/** How the listeners guard themselves against clients that hold without asking. */
export interface ListenerGuards {
  readonly limits: ClientLimits;
  readonly metrics: DindMetrics;
  readonly headersTimeoutMs: number;
  readonly maxHeaderBytes: number;
}

// How long a connection refused by a limit may stay to read its answer.
const REFUSED_CONNECTION_MS = 5000;

const refusalBody = (refusal: LimitRefusal) => dockerErrorBody(`dind-service: ${refusal.message}`);

function answerRefused(res: ServerResponse, refusal: LimitRefusal): void {
  const body = refusalBody(refusal);
  res.writeHead(refusal.status, { 'Content-Type': 'application/json', 'Content-Length': body.length, Connection: 'close' });
  res.end(body);
}

/** Whether something accepts connections on a unix socket path. */
function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface ListenerSettings {
  readonly port?: number;
  readonly host: string;
  readonly socketPath?: string;
  readonly socketMode: number;
  /** TLS on the TCP listener (the unix socket stays plain: its file mode guards it). */
  readonly tls?: TlsListenerSettings;
}

export interface TlsListenerSettings {
  readonly files: CertificateFiles;
  readonly reloadIntervalMs: number;
}

/**
 * The Docker API's listeners (TCP and/or unix socket), both serving the same
 * Nest application, both sending upgrades to the same hijack handler.
 */
export class ApiListeners {
  private readonly logger = new Logger('listeners');
  private readonly servers: Server[] = [];
  private readonly refused = new WeakMap<Socket, LimitRefusal>();
  private readonly watchers: TlsFilesWatcher[] = [];
  // TCP connections under the TLS listener: the http server only learns of a
  // connection once its handshake is done, and cannot close the others.
  private readonly tlsTransports = new Set<Socket>();

  constructor(
    private readonly app: RequestListener,
    private readonly hijack: HijackHandler,
    private readonly protect: (server: NetServer) => void,
    private readonly guards: ListenerGuards,
  ) {}

  async listen(settings: ListenerSettings): Promise<void> {
    if (settings.port !== undefined) {
      const server = this.createServer(settings.tls);
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(settings.port, settings.host, resolve));
      this.logger.log(`Docker API listening on tcp://${settings.host}:${settings.port}${settings.tls ? ` (TLS, client certificates verified against ${settings.tls.files.ca})` : ''}`);
    }
    if (settings.socketPath) {
      mkdirSync(dirname(settings.socketPath), { recursive: true });
      rmSync(settings.socketPath, { force: true });
      const server = this.createServer();
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(settings.socketPath, resolve));
      chmodSync(settings.socketPath, settings.socketMode);
      this.logger.log(`Docker API listening on unix://${settings.socketPath}`);
    }
  }

  /**
   * Binds each listener's address once and lets it go, before the daemon
   * starts: a port in use or a socket path that cannot be served stops start-up
   * while nothing needs stopping yet.
   */
  async probe(settings: ListenerSettings): Promise<void> {
    if (settings.port !== undefined) {
      const probe = createNetServer();
      await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(settings.port, settings.host, resolve)).catch((error: Error) => {
        throw new Error(`cannot listen on ${settings.host}:${settings.port} (PORT/HOST): ${error.message}`);
      });
      await new Promise((resolve) => probe.close(resolve));
      if (settings.tls) {
        try {
          new TlsFilesWatcher(settings.tls.files, settings.tls.reloadIntervalMs).read();
        } catch (error) {
          throw new Error(`cannot serve TLS with ${settings.tls.files.cert}, ${settings.tls.files.key} and ${settings.tls.files.ca}: ${(error as Error).message}`);
        }
      }
    }
    if (settings.socketPath) {
      mkdirSync(dirname(settings.socketPath), { recursive: true });
      if (existsSync(settings.socketPath) && (await answers(settings.socketPath))) {
        throw new Error(`cannot listen on ${settings.socketPath} (SOCKET_PATH): another process is serving it`);
      }
    }
  }

  /**
   * Stops accepting connections, lets in-flight requests finish for up to
   * `graceMs`, then cuts whatever is left (including hijacked streams).
   */
  async close(graceMs: number): Promise<void> {
    for (const watcher of this.watchers) watcher.stop();
    const closed = Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    for (const server of this.servers) server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), graceMs)));
    const outcome = await Promise.race([closed.then(() => 'closed' as const), expired]);
    clearTimeout(timer);
    if (outcome === 'expired') {
      this.logger.warn(`in-flight requests still running after ${graceMs} ms; closing them`);
      for (const server of this.servers) server.closeAllConnections();
      for (const socket of this.tlsTransports) socket.destroy();
      this.hijack.destroyAll();
      await closed;
    }
  }

  private createServer(tls?: TlsListenerSettings): Server {
    const { headersTimeoutMs, maxHeaderBytes } = this.guards;
    const options: ServerOptions = {
      maxHeaderSize: maxHeaderBytes,
      headersTimeout: headersTimeoutMs,
      // Image loads, build contexts and `logs -f` run for as long as they run;
      // a stalled body is caught by BODY_TIMEOUT_MS instead.
      requestTimeout: 0,
      // Node checks the header deadline this often; the default (30 s) would
      // let a slow client hold its connection up to twice HEADERS_TIMEOUT_MS.
      connectionsCheckingInterval: Math.min(1000, headersTimeoutMs),
    };
    const onRequest: RequestListener = (req, res) => {
      const refusal = this.refused.get(req.socket);
      if (refusal) return answerRefused(res, refusal);
      this.app(req, res);
    };
    const server = tls ? this.createTlsServer(options, onRequest, tls) : createServer(options, onRequest);
    this.protect(server);
    // With TLS a client is known (and counted) once its certificate is verified.
    if (tls) server.on('secureConnection', (socket: TLSSocket) => this.admit(socket));
    else server.on('connection', (socket: Socket) => this.admit(socket));
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => this.answerClientError(error, socket));
    server.timeout = 0;
    server.keepAliveTimeout = 5_000;
    server.on('upgrade', (req, socket: Socket, head: Buffer) => {
      const refusal = this.refused.get(socket);
      if (refusal) return writeDockerErrorToSocket(socket, refusal.status, STATUS_CODES[refusal.status] ?? 'Error', refusalBody(refusal));
      this.hijack.handle(req, socket, head).catch((error: Error) => {
        this.logger.error(`hijack failed: ${error.stack ?? error.message}`);
        socket.destroy();
      });
    });
    // Hijacked sockets leave the server's bookkeeping; server.close() does not wait for them.
    this.servers.push(server);
    return server;
  }

  /**
   * An https server carries the same HTTP options, request listener and upgrade
   * path as the plain one: the same limits and the same admission, after the
   * handshake. No client certificate signed by the CA, no HTTP at all.
   */
  private createTlsServer(options: ServerOptions, onRequest: RequestListener, tls: TlsListenerSettings): Server {
    const watcher = new TlsFilesWatcher(tls.files, tls.reloadIntervalMs);
    const server = createHttpsServer(
      {
        ...options,
        ...watcher.read(),
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        // The docker CLI ends stdin of an attach over TLS with a TCP half-close
        // under the TLS stream, not a close_notify; without this Node would end
        // its side at once and cut the container's output.
        allowHalfOpen: true,
        // A handshake that never finishes holds a connection like a slow request head.
        handshakeTimeout: this.guards.headersTimeoutMs,
      },
      onRequest,
    );
    server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
      // A client that hangs up during the handshake is no news; one that fails it (no certificate, another CA, old TLS) is.
      const entry = { event: 'tls-refused', client: socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : 'unknown', error: error.code ?? error.message };
      if (error.code === 'ECONNRESET') this.logger.debug(entry);
      else this.logger.warn(entry);
    });
    // minVersion is part of the secure context: a reload must not drop it.
    server.on('connection', (socket: Socket) => {
      this.tlsTransports.add(socket);
      socket.once('close', () => this.tlsTransports.delete(socket));
    });
    watcher.start((secure) => server.setSecureContext({ ...secure, minVersion: 'TLSv1.2' }));
    this.watchers.push(watcher);
    return server as unknown as Server;
  }

  /**
   * Per-client connection limit. A refused connection's requests are answered
   * with the refusal and never reach the application; answering before the
   * request is read instead would race the client's request bytes (unread
   * input at close turns into a reset that overtakes the answer).
   */
  private admit(socket: Socket): void {
    if (socket.destroyed) return;
    const refusal = this.guards.limits.admitConnection(socket);
    if (!refusal) return;
    this.refused.set(socket, refusal);
    this.guards.metrics.limitRefusals.inc({ limit: refusal.limit });
    this.logger.debug(`refused a connection from ${clientKeyOf(socket)}: ${refusal.message}`);
    socket.setTimeout(REFUSED_CONNECTION_MS, () => socket.destroy());
  }

  /** Requests Node refuses before they are parsed: too slow, too large, malformed. */
  private answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const refusal: LimitRefusal | undefined =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? { limit: 'header-timeout', status: 408, message: `the request head did not arrive within ${this.guards.headersTimeoutMs} ms (limit HEADERS_TIMEOUT_MS)` }
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? { limit: 'header-size', status: 431, message: `the request head is larger than ${this.guards.maxHeaderBytes} bytes (limit MAX_HEADER_BYTES)` }
          : undefined;
    if (refusal) this.guards.metrics.limitRefusals.inc({ limit: refusal.limit });
    const status = refusal?.status ?? 400;
    const message = refusal ? `dind-service: ${refusal.message}` : `dind-service: malformed HTTP request (${error.code ?? error.message})`;
    writeDockerErrorToSocket(socket, status, STATUS_CODES[status] ?? 'Error', dockerErrorBody(message));
  }
}
