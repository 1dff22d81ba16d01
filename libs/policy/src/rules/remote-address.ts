import { isIP } from 'node:net';

/**
 * Addresses the daemon must never be made to dial on a client's behalf: the
 * service's own host (loopback, unspecified, link-local — which includes cloud
 * metadata endpoints). Names are checked as written; numeric spellings that
 * resolvers accept (`2130706433`, `0x7f.1`, `127.1`) are refused outright.
 */
export function forbiddenHostReason(hostPort: string, ownAddresses: readonly string[] = []): string | undefined {
  const host = stripPort(hostPort).toLowerCase();
  if (host === '') return 'an empty host is not allowed';
  if (host === 'localhost' || host.endsWith('.localhost') || host === 'localhost.') {
    return 'the daemon may not connect to the service\'s own host (localhost)';
  }
  const family = isIP(host);
  if (family === 4) return ipv4Reason(host, ownAddresses);
  if (family === 6) return ipv6Reason(host, ownAddresses);
  if (/^[0-9a-fx.]+$/.test(host) && /^[0-9]|^0x/.test(host)) {
    return 'numeric host spellings other than a dotted quad are not allowed';
  }
  return undefined;
}

function stripPort(hostPort: string): string {
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    return end === -1 ? hostPort : hostPort.slice(1, end);
  }
  const colons = hostPort.split(':').length - 1;
  return colons === 1 ? hostPort.slice(0, hostPort.indexOf(':')) : hostPort;
}

function ipv4Reason(ip: string, own: readonly string[]): string | undefined {
  const [a, b] = ip.split('.').map(Number);
  if (a === 127) return 'loopback addresses are not allowed';
  if (a === 0) return 'unspecified addresses are not allowed';
  if (a === 169 && b === 254) return 'link-local addresses (cloud metadata) are not allowed';
  if (own.includes(ip)) return 'the service\'s own addresses are not allowed';
  return undefined;
}

function ipv6Reason(ip: string, own: readonly string[]): string | undefined {
  const groups = parseIpv6(ip);
  if (!groups) return 'not an IPv6 address';
  const embedded = embeddedIpv4(groups);
  if (embedded) {
    const reason = ipv4Reason(embedded.ipv4, own);
    if (reason) return `${reason} (${embedded.ipv4} written as an ${embedded.form} IPv6 address)`;
  }
  if (groups.every((group) => group === 0)) return 'unspecified addresses are not allowed';
  if (groups.slice(0, 7).every((group) => group === 0) && groups[7] === 1) return 'loopback addresses are not allowed';
  if ((groups[0] & 0xffc0) === 0xfe80) return 'link-local addresses are not allowed';
  if (groups[0] === 0xfd00 && groups[1] === 0x0ec2) return 'cloud metadata addresses are not allowed';
  const same = (address: string) => parseIpv6(address)?.every((group, index) => group === groups[index]) ?? false;
  if (own.some((address) => isIP(address.split('%')[0]) === 6 && same(address))) return 'the service\'s own addresses are not allowed';
  return undefined;
}

/** An IPv6 address (with an optional zone and an optional dotted-quad tail) as its 8 groups. */
export function parseIpv6(ip: string): number[] | undefined {
  const address = ip.split('%')[0].toLowerCase();
  if (isIP(address) !== 6) return undefined;
  const toGroups = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((piece) => {
      if (!piece.includes('.')) return [parseInt(piece, 16)];
      const [a, b, c, d] = piece.split('.').map(Number);
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const doubleColon = address.indexOf('::');
  if (doubleColon === -1) return toGroups(address);
  const left = toGroups(address.slice(0, doubleColon));
  const right = toGroups(address.slice(doubleColon + 2));
  return [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The IPv4 address an IPv6 address carries and the kernel or a gateway may
 * deliver to: IPv4-mapped (::ffff:a.b.c.d — Go dials these as IPv4, in hex as
 * well as dotted: ::ffff:7f00:1), IPv4-compatible (::a.b.c.d), SIIT
 * (::ffff:0:a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:AABB:CCDD::).
 */
function embeddedIpv4(groups: readonly number[]): { ipv4: string; form: string } | undefined {
  const quad = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  const zero = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  if (zero(0, 5) && groups[5] === 0xffff) return { ipv4: quad(groups[6], groups[7]), form: 'IPv4-mapped' };
  if (zero(0, 6) && (groups[6] !== 0 || groups[7] > 1)) return { ipv4: quad(groups[6], groups[7]), form: 'IPv4-compatible' };
  if (zero(0, 4) && groups[4] === 0xffff && groups[5] === 0) return { ipv4: quad(groups[6], groups[7]), form: 'SIIT' };
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zero(2, 6)) return { ipv4: quad(groups[6], groups[7]), form: 'NAT64' };
  if (groups[0] === 0x2002) return { ipv4: quad(groups[1], groups[2]), form: '6to4' };
  return undefined;
}

// Where a reference's registry is decided: image-reference.ts (mirrors the daemon's parser).
export { registryHostOf } from './image-reference';

/** The host[:port] of a URL the daemon would fetch, or undefined if it is not a URL. */
export function urlHostOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.host === '' ? undefined : url.host;
  } catch {
    return undefined;
  }
}
