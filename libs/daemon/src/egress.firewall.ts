import { existsSync, readFileSync } from 'node:fs';
import { EGRESS_CHAIN, egressChainRules, egressJump, IpFamily, nameserversOf, staleJumpDeletions } from './egress-rules';
import { ProcessRunner } from './process-runner';

export interface EgressOptions {
  /** kernel: iptables rules refuse the daemon's forbidden connections; off: the request-time checks alone. */
  readonly enforcement: 'kernel' | 'off';
  readonly gid: number;
  readonly denyCidrs: readonly string[];
  /** Where the resolvers the daemon uses are listed. */
  readonly resolvConf?: string;
}

export class EgressRulesError extends Error {}

const TOOLS: Record<IpFamily, string> = { 4: 'iptables', 6: 'ip6tables' };

/**
 * Installs and removes the DIND-EGRESS chains (IPv4 and IPv6). Installing
 * first removes whatever a previous run left (a crashed service never removed
 * its rules), so it can be repeated; any command that fails stops it with the
 * tool's own message, and the caller refuses to start the daemon.
 */
export class EgressFirewall {
  constructor(
    private readonly options: EgressOptions,
    private readonly processes: ProcessRunner,
  ) {}

  /** The families this namespace has: without IPv6 in the kernel there is nothing to dial over it, nor an ip6tables to ask. */
  families(): IpFamily[] {
    return existsSync('/proc/net/if_inet6') ? [4, 6] : [4];
  }

  install(): void {
    if (this.options.gid === process.getgid?.() || process.getgroups?.().includes(this.options.gid)) {
      throw new EgressRulesError(`DOCKERD_EGRESS_GID=${this.options.gid} is the service's own group: its rules would refuse the service, not only the daemon`);
    }
    const resolvConf = this.options.resolvConf ?? '/etc/resolv.conf';
    const nameservers = existsSync(resolvConf) ? nameserversOf(readFileSync(resolvConf, 'utf8')) : [];
    for (const family of this.families()) {
      this.removeFamily(family);
      this.must(family, ['-N', EGRESS_CHAIN]);
      for (const rule of egressChainRules({ gid: this.options.gid, nameservers, denyCidrs: this.options.denyCidrs }, family)) this.must(family, rule);
      const [output, ...match] = egressJump(this.options.gid);
      // First in OUTPUT: no rule of dockerd's own (it adds to OUTPUT too) comes before it.
      this.must(family, ['-I', output, '1', ...match]);
    }
  }

  /** Removes the jumps and the chains; what is already gone is not an error. */
  remove(): void {
    for (const family of this.families()) this.removeFamily(family);
  }

  /** Whether any trace of the chain is left (for tests and for the log). */
  present(): boolean {
    return this.families().some((family) => this.tool(family, ['-S', EGRESS_CHAIN]).code === 0);
  }

  private removeFamily(family: IpFamily): void {
    const listing = this.tool(family, ['-S', 'OUTPUT']);
    if (listing.code !== 0) {
      if (listing.code === 127) throw new EgressRulesError(`${TOOLS[family]} cannot be run: ${listing.stderr.trim()}`);
      throw new EgressRulesError(`${TOOLS[family]} -S OUTPUT failed: ${listing.stderr.trim()}`);
    }
    for (const deletion of staleJumpDeletions(listing.stdout)) this.must(family, deletion);
    if (this.tool(family, ['-S', EGRESS_CHAIN]).code !== 0) return;
    this.must(family, ['-F', EGRESS_CHAIN]);
    this.must(family, ['-X', EGRESS_CHAIN]);
  }

  private must(family: IpFamily, args: readonly string[]): void {
    const result = this.tool(family, args);
    if (result.code !== 0) throw new EgressRulesError(`${TOOLS[family]} ${args.join(' ')}: ${result.stderr.trim() || `exit code ${result.code}`}`);
  }

  /** `-w`: dockerd changes the same tables and holds the xtables lock while it does. */
  private tool(family: IpFamily, args: readonly string[]) {
    return this.processes.run(TOOLS[family], ['-w', ...args]);
  }
}
