import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, Server as HttpServer, ServerResponse } from 'node:http';
import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerNetworkWatcher } from './container-network.watcher';

// The network position holds over time: a fake daemon announces a network whose
// subnet contains a client that is already connected; the watcher learns it
// from the event stream (not from its periodic re-read, set to a minute here)
// and cuts that open connection.

describe('ContainerNetworkWatcher', () => {
  let dir: string;
  let daemon: HttpServer;
  let listener: Server;
  let watcher: ContainerNetworkWatcher;
  let networks: unknown[];
  const eventStreams: ServerResponse[] = [];
  const accepted: Socket[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'network-watcher-'));
    const socketPath = join(dir, 'daemon.sock');
    daemon = createHttpServer((req, res) => {
      if (req.url?.startsWith('/events')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.flushHeaders();
        eventStreams.push(res);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(networks));
    });
    await new Promise<void>((resolve) => daemon.listen(socketPath, resolve));
    networks = [{ Name: 'bridge', Id: 'b1', Driver: 'bridge', IPAM: { Config: [{ Subnet: '172.30.0.0/16', Gateway: '172.30.0.1' }] } }];
    watcher = new ContainerNetworkWatcher(() => ({ socketPath }), 60_000);
    listener = createServer((socket) => accepted.push(socket));
    watcher.protect(listener);
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    await watcher.refresh();
    watcher.start();
    await until(() => eventStreams.length === 1);
  });

  afterAll(async () => {
    watcher.stop();
    for (const socket of accepted) socket.destroy();
    for (const res of eventStreams) res.destroy();
    daemon.closeAllConnections();
    await new Promise((resolve) => listener.close(resolve));
    await new Promise((resolve) => daemon.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const until = async (what: () => boolean, ms = 3000) => {
    const deadline = Date.now() + ms;
    while (!what() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(what()).toBe(true);
  };
  const open = (localAddress: string) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: (listener.address() as AddressInfo).port, localAddress }, () => resolve(socket));
      socket.once('error', reject);
    });
  const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));

  it('cuts an open connection once an event announces a network that contains its client, and refuses new ones from there', async () => {
    const early = await open('127.0.0.5');
    const gateway = await open('127.0.0.1');
    early.on('error', () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(early.destroyed).toBe(false);

    networks = [...networks, { Name: 'fresh', Id: 'f1', Driver: 'bridge', IPAM: { Config: [{ Subnet: '127.0.0.0/29', Gateway: '127.0.0.1' }] } }];
    eventStreams[0].write(`${JSON.stringify({ Type: 'network', Action: 'create', Actor: { ID: 'f1' } })}\n`);

    await Promise.race([closed(early), new Promise((_, reject) => setTimeout(() => reject(new Error('the early connection was not cut')), 2000))]);
    expect(watcher.knownSubnets).toContain('127.0.0.0/29');
    // The gateway is the host's own address on that network: not a container.
    expect(gateway.destroyed).toBe(false);
    const late = await open('127.0.0.6');
    late.on('error', () => undefined);
    await closed(late);
    gateway.destroy();
  });

  it("keeps the host's connections from a bridge whose gateway the daemon does not report (a first start), and cuts the containers'", async () => {
    // On a first start the default bridge's IPAM config has a subnet and no
    // gateway; the gateway is still the host's, at the subnet's first address.
    networks = [...networks, { Name: 'first-start', Id: 'g1', Driver: 'bridge', IPAM: { Config: [{ Subnet: '127.0.1.0/29' }] } }];
    await watcher.refresh();
    const gateway = await open('127.0.1.1');
    const container = await open('127.0.1.2');
    container.on('error', () => undefined);
    await closed(container);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gateway.destroyed).toBe(false);
    gateway.destroy();
    networks = networks.filter((network) => (network as { Name: string }).Name !== 'first-start');
    await watcher.refresh();
  });

  it('follows the events again after the stream ends (a daemon restart) and re-reads the networks then', async () => {
    networks = networks.filter((network) => (network as { Name: string }).Name !== 'fresh');
    eventStreams[0].destroy();
    await until(() => eventStreams.length === 2, 5000);
    await until(() => !watcher.knownSubnets.includes('127.0.0.0/29'));
  });
});
