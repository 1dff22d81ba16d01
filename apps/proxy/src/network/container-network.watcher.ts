import { Logger } from '@nestjs/common';
import { getFromDaemon, UpstreamAddress } from '@dind/daemon';
import { isInsideSubnets, parseSubnet, Subnet } from '@dind/policy';
import { Server, Socket } from 'node:net';

interface NetworkSummary {
  readonly Name: string;
  readonly Id: string;
  readonly Driver?: string;
  readonly IPAM?: { readonly Config?: ReadonlyArray<{ readonly Subnet?: string; readonly Gateway?: string }> | null };
}

/**
 * Containers of the inner daemon reach the service through their bridge
 * gateway. Unless allowed, connections from inside those networks are cut on
 * every listener (Docker API and admin). The networks change as clients create
 * them, so the list is re-read from the daemon periodically and on demand.
 */
export class ContainerNetworkWatcher {
  private readonly logger = new Logger('network-position');
  private subnets: Subnet[] = [];
  // The gateway is the host's own address on a bridge: connections from it are
  // the host's, not a container's (which cannot complete a handshake from it).
  private gateways = new Set<string>();
  private hostIds: string[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly upstream: () => UpstreamAddress,
    private readonly refreshMs: number,
  ) {}

  /** IDs of the daemon's host-driver networks (a client may name a network by ID prefix). */
  get hostNetworkIds(): readonly string[] {
    return this.hostIds;
  }

  get knownSubnets(): readonly string[] {
    return this.subnets.map((subnet) => subnet.cidr);
  }

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Cut connections from container networks before a byte is read. */
  protect(server: Server): void {
    server.on('connection', (socket: Socket) => {
      const peer = socket.remoteAddress?.replace(/^::ffff:/, '');
      const inside = peer && !this.gateways.has(peer) ? isInsideSubnets(peer, this.subnets) : undefined;
      if (inside) {
        this.logger.warn({ event: 'refused-container-client', client: socket.remoteAddress, network: inside.cidr });
        socket.destroy();
      }
    });
  }

  async refresh(): Promise<void> {
    try {
      const networks = await this.listNetworks();
      this.hostIds = networks.filter((network) => network.Driver === 'host' || network.Name === 'host').map((network) => network.Id);
      const configs = networks.flatMap((network) => network.IPAM?.Config ?? []);
      this.subnets = configs
        .map((config) => (config.Subnet ? parseSubnet(config.Subnet) : undefined))
        .filter((subnet): subnet is Subnet => subnet !== undefined);
      this.gateways = new Set(configs.map((config) => config.Gateway).filter((gateway): gateway is string => !!gateway));
    } catch (error) {
      // Keep the last known list: a daemon restart must not open the door.
      this.logger.debug(`cannot list networks: ${(error as Error).message}`);
    }
  }

  private async listNetworks(): Promise<NetworkSummary[]> {
    const answer = await getFromDaemon(this.upstream(), '/networks', 2000);
    if (answer.status !== 200 || !Array.isArray(answer.body)) throw new Error(`GET /networks answered ${answer.status}`);
    return answer.body as NetworkSummary[];
  }

}
