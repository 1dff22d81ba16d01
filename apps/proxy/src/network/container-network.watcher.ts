import { Logger } from '@nestjs/common';
import { getFromDaemon, UpstreamAddress } from '@dind/daemon';
import { isInsideSubnets, parseSubnet, Subnet } from '@dind/policy';
import { Server, Socket } from 'node:net';
import { DaemonEventsFollower } from './daemon-events.follower';
import { bindProbe, ownAddresses } from './local-address';

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
 * them: the daemon's network events trigger a re-read at once (and a periodic
 * re-read covers a missed event), and every open connection — kept-alive,
 * streaming or hijacked — is judged again against the new list, so a
 * connection accepted before its network existed does not outlive the news.
 */
export class ContainerNetworkWatcher {
  private readonly logger = new Logger('network-position');
  private subnets: Subnet[] = [];
  // The host's own addresses inside those subnets (the bridges' gateways):
  // connections from them are the host's, not a container's (which cannot
  // complete a handshake from an address the host owns).
  private gateways = new Set<string>();
  private hostIds: string[] = [];
  private timer?: NodeJS.Timeout;
  private readonly open = new Set<Socket>();
  private readonly events: DaemonEventsFollower;
  private refreshing?: Promise<void>;
  private refreshAgain = false;

  constructor(
    private readonly upstream: () => UpstreamAddress,
    private readonly refreshMs: number,
  ) {
    this.events = new DaemonEventsFollower(upstream, ['network'], () => this.requestRefresh(), () => this.requestRefresh());
  }

  /** IDs of the daemon's host-driver networks (a client may name a network by ID prefix). */
  get hostNetworkIds(): readonly string[] {
    return this.hostIds;
  }

  get knownSubnets(): readonly string[] {
    return this.subnets.map((subnet) => subnet.cidr);
  }

  start(): void {
    this.events.start();
    this.timer = setInterval(() => this.requestRefresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.events.stop();
  }

  /** Cut connections from container networks before a byte is read, and whenever the networks change. */
  protect(server: Server): void {
    server.on('connection', (socket: Socket) => {
      if (this.cutIfInside(socket, 'refused-container-client')) return;
      this.open.add(socket);
      socket.once('close', () => this.open.delete(socket));
    });
  }

  /** Re-reads the networks now; calls made while a re-read runs are folded into one more. */
  requestRefresh(): void {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = this.refresh().finally(() => {
      this.refreshing = undefined;
      if (this.refreshAgain) {
        this.refreshAgain = false;
        this.requestRefresh();
      }
    });
  }

  private cutIfInside(socket: Socket, event: string): boolean {
    const peer = socket.remoteAddress?.replace(/^::ffff:/, '');
    const inside = peer && !this.gateways.has(peer) ? isInsideSubnets(peer, this.subnets) : undefined;
    if (!inside) return false;
    this.logger.warn({ event, client: socket.remoteAddress, network: inside.cidr });
    socket.destroy();
    return true;
  }

  async refresh(): Promise<void> {
    try {
      const networks = await this.listNetworks();
      this.hostIds = networks.filter((network) => network.Driver === 'host' || network.Name === 'host').map((network) => network.Id);
      const configs = networks.flatMap((network) => network.IPAM?.Config ?? []);
      const subnets = configs
        .map((config) => (config.Subnet ? parseSubnet(config.Subnet) : undefined))
        .filter((subnet): subnet is Subnet => subnet !== undefined);
      this.gateways = await hostAddressesInside(subnets, configs.map((config) => config.Gateway));
      this.subnets = subnets;
      for (const socket of this.open) if (this.cutIfInside(socket, 'cut-container-client')) this.open.delete(socket);
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

const toDotted = (value: number): string => [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');

/**
 * The addresses this namespace owns inside the subnets. The daemon reports a
 * bridge's gateway only when it was configured (on a first start, with no
 * bridge yet, the default bridge's IPAM config has none); unconfigured, the
 * daemon's allocator gives the gateway the subnet's first host address. Each
 * candidate counts only if it can be bound here: what it is, not what it is
 * called.
 */
async function hostAddressesInside(subnets: readonly Subnet[], configured: ReadonlyArray<string | undefined>): Promise<Set<string>> {
  const candidates = new Set<string>();
  for (const address of configured) if (address) candidates.add(address);
  for (const subnet of subnets) if (subnet.mask !== 0xffffffff) candidates.add(toDotted((subnet.base + 1) >>> 0));
  for (const address of ownAddresses()) if (isInsideSubnets(address, subnets)) candidates.add(address);
  const owned = new Set<string>();
  for (const address of candidates) if (await bindProbe(address)) owned.add(address);
  return owned;
}
