import { isIP } from 'node:net';

/** IPv4 CIDRs only: the daemon's container networks are IPv4 unless IPv6 is enabled explicitly. */
export interface Subnet {
  readonly cidr: string;
  readonly base: number;
  readonly mask: number;
}

const toInt = (ip: string): number => ip.split('.').reduce((acc, octet) => (acc << 8) + Number(octet), 0) >>> 0;

export function parseSubnet(cidr: string): Subnet | undefined {
  const [ip, bits] = cidr.split('/');
  const prefix = Number(bits);
  if (isIP(ip) !== 4 || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { cidr, base: (toInt(ip) & mask) >>> 0, mask };
}

/** Whether a peer address (as Node reports it, maybe IPv4-mapped IPv6) lies in one of the subnets. */
export function isInsideSubnets(address: string | undefined, subnets: readonly Subnet[]): Subnet | undefined {
  if (!address) return undefined;
  const ipv4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(ipv4) !== 4) return undefined;
  const value = toInt(ipv4);
  return subnets.find((subnet) => ((value & subnet.mask) >>> 0) === subnet.base);
}
