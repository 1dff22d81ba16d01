import { isIP } from 'node:net';

/** The chain of our own, jumped to from OUTPUT for the daemon's group only. */
export const EGRESS_CHAIN = 'DIND-EGRESS';

export type IpFamily = 4 | 6;

/** What the kernel refuses the daemon, whatever the request said. */
export interface EgressRuleSettings {
  /** The group dockerd (and everything it runs) is started with. */
  readonly gid: number;
  /** The resolvers of /etc/resolv.conf: the daemon may reach them on port 53 even where they are denied. */
  readonly nameservers: readonly string[];
  /** Operator-listed networks (a cluster's service network, a metadata range). */
  readonly denyCidrs: readonly string[];
}

// Loopback, link-local (cloud metadata lives at 169.254.169.254 and fd00:ec2::254
// is reached through fe80 routes), and the unspecified address, which Linux
// dials as loopback. `addrtype LOCAL` adds every address of this namespace: the
// inner bridges' gateways, the pod address, and so the service's own ports.
const ALWAYS_DENIED: Record<IpFamily, readonly string[]> = {
  4: ['127.0.0.0/8', '169.254.0.0/16', '0.0.0.0/8'],
  6: ['::1/128', 'fe80::/10', '::/128'],
};

/**
 * The jump from OUTPUT (without the `-A`/`-I`/`-D` that places it). The group is
 * a supplementary one of dockerd's (`--suppl-groups`): its primary group stays 0,
 * so runc's prlimit on a root container's init passes the kernel's same-credentials
 * check without CAP_SYS_RESOURCE, and what dockerd creates keeps group 0.
 */
export function egressJump(gid: number): string[] {
  return ['OUTPUT', '-m', 'owner', '--gid-owner', String(gid), '--suppl-groups', '-j', EGRESS_CHAIN];
}

/**
 * The chain's rules, in order, each an iptables (or ip6tables) argument list
 * that appends to the chain. Pure: settings in, argument lists out.
 */
export function egressChainRules(settings: EgressRuleSettings, family: IpFamily): string[][] {
  const append = (...args: string[]) => ['-A', EGRESS_CHAIN, ...args];
  const rules: string[][] = [
    // Replies on connections others opened to the daemon's listeners (docker-proxy
    // on a published port answering a loopback client) are not the daemon dialling.
    append('-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN'),
  ];
  // The original destination, before NAT: Docker's embedded resolver at
  // 127.0.0.11:53 is DNATed to a random port before the filter table sees it.
  for (const server of settings.nameservers.filter((address) => isIP(address) === family)) {
    for (const protocol of ['udp', 'tcp']) {
      rules.push(append('-p', protocol, '-m', 'conntrack', '--ctorigdst', server, '--ctorigdstport', '53', '-j', 'RETURN'));
    }
  }
  const destinations: string[][] = [
    ['-m', 'addrtype', '--dst-type', 'LOCAL'],
    ...[...ALWAYS_DENIED[family], ...settings.denyCidrs.filter((cidr) => cidrFamily(cidr) === family)].map((cidr) => ['-d', cidr]),
  ];
  for (const destination of destinations) {
    // A reset fails a TCP connect at once; ICMP port unreachable covers the rest.
    rules.push(append('-p', 'tcp', ...destination, '-j', 'REJECT', '--reject-with', 'tcp-reset'));
    rules.push(append(...destination, '-j', 'REJECT'));
  }
  return rules;
}

/** The `nameserver` lines of a resolv.conf, as addresses (a zone index such as `%eth0` dropped). */
export function nameserversOf(resolvConf: string): string[] {
  return resolvConf
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((words) => words[0] === 'nameserver' && words[1] !== undefined)
    .map((words) => words[1].split('%')[0])
    .filter((address) => isIP(address) !== 0);
}

/** 4 or 6 for a well-formed `address/prefix`, undefined otherwise. */
export function cidrFamily(cidr: string): IpFamily | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  if (!match) return undefined;
  const family = isIP(match[1]);
  if (family === 0) return undefined;
  const prefix = Number(match[2]);
  return prefix <= (family === 4 ? 32 : 128) ? (family as IpFamily) : undefined;
}

/** EGRESS_DENY_CIDRS split and checked: one problem per malformed entry. */
export function parseDenyCidrs(value: string): { cidrs: string[]; problems: string[] } {
  const cidrs = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const problems = cidrs
    .filter((cidr) => cidrFamily(cidr) === undefined)
    .map((cidr) => `EGRESS_DENY_CIDRS: "${cidr}" is not an address/prefix such as 10.96.0.0/12 or fd00::/8`);
  return { cidrs, problems };
}

/**
 * The argument lists that delete every jump to our chain from an
 * `iptables -S OUTPUT` listing, whatever group it names (a run with another
 * DOCKERD_EGRESS_GID may have left it).
 */
export function staleJumpDeletions(outputListing: string): string[][] {
  return outputListing
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((words) => words[0] === '-A' && words[1] === 'OUTPUT' && words.at(-2) === '-j' && words.at(-1) === EGRESS_CHAIN)
    .map((words) => ['-D', ...words.slice(1)]);
}
