import { Logger } from '@nestjs/common';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, RequestListener, Server } from 'node:http';
import { Server as NetServer, Socket } from 'node:net';
import { dirname } from 'node:path';
import { HijackHandler } from './docker-api/hijack.handler';

export interface ListenerSettings {
  readonly port?: number;
  readonly host: string;
  readonly socketPath?: string;
  readonly socketMode: number;
}

/**
 * The Docker API's listeners (TCP and/or unix socket), both serving the same
 * Nest application, both sending upgrades to the same hijack handler.
 */
export class ApiListeners {
  private readonly logger = new Logger('listeners');
  private readonly servers: Server[] = [];

  constructor(
    private readonly app: RequestListener,
    private readonly hijack: HijackHandler,
    private readonly protect: (server: NetServer) => void,
  ) {}

  async listen(settings: ListenerSettings): Promise<void> {
    if (settings.port !== undefined) {
      const server = this.createServer();
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(settings.port, settings.host, resolve));
      this.logger.log(`Docker API listening on tcp://${settings.host}:${settings.port}`);
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
   * Stops accepting connections, lets in-flight requests finish for up to
   * `graceMs`, then cuts whatever is left (including hijacked streams).
   */
  async close(graceMs: number): Promise<void> {
    const closed = Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    for (const server of this.servers) server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), graceMs)));
    const outcome = await Promise.race([closed.then(() => 'closed' as const), expired]);
    clearTimeout(timer);
    if (outcome === 'expired') {
      this.logger.warn(`in-flight requests still running after ${graceMs} ms; closing them`);
      for (const server of this.servers) server.closeAllConnections();
      this.hijack.destroyAll();
      await closed;
    }
  }

  private createServer(): Server {
    const server = createServer(this.app);
    this.protect(server);
    // Image loads, build contexts and `logs -f` run for as long as they run.
    server.requestTimeout = 0;
    server.timeout = 0;
    server.headersTimeout = 60_000;
    server.keepAliveTimeout = 5_000;
    server.on('upgrade', (req, socket: Socket, head: Buffer) => {
      this.hijack.handle(req, socket, head).catch((error: Error) => {
        this.logger.error(`hijack failed: ${error.stack ?? error.message}`);
        socket.destroy();
      });
    });
    // Hijacked sockets leave the server's bookkeeping; server.close() does not wait for them.
    this.servers.push(server);
    return server;
  }
}
