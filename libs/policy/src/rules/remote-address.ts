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
  const lower = ip.toLowerCase();
  const mapped = /^(?:0*:)*:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower) ?? /^::(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return ipv4Reason(mapped[1], own);
  const expanded = expandIpv6(lower);
  if (expanded === '0000:0000:0000:0000:0000:0000:0000:0001') return 'loopback addresses are not allowed';
  if (expanded === '0000:0000:0000:0000:0000:0000:0000:0000') return 'unspecified addresses are not allowed';
  if (/^fe[89ab]/.test(expanded)) return 'link-local addresses are not allowed';
  if (expanded.startsWith('fd00:0ec2')) return 'cloud metadata addresses are not allowed';
  if (own.some((address) => isIP(address) === 6 && expandIpv6(address.toLowerCase()) === expanded)) {
    return 'the service\'s own addresses are not allowed';
  }
  return undefined;
}

function expandIpv6(ip: string): string {
  const [head, tail = ''] = ip.split('%')[0].split('::');
  const left = head === '' ? [] : head.split(':');
  const right = ip.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const zeros = new Array(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...(ip.includes('::') ? zeros : []), ...right].map((group) => group.padStart(4, '0')).join(':');
}

/**
 * The registry host of an image reference, as the daemon decides it: the first
 * path component is a host when it contains '.' or ':' or is `localhost`.
 */
export function registryHostOf(reference: string): string | undefined {
  const slash = reference.indexOf('/');
  if (slash === -1) return undefined;
  const first = reference.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : undefined;
}

/** The host[:port] of a URL the daemon would fetch, or undefined if it is not a URL. */
export function urlHostOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.host === '' ? undefined : url.host;
  } catch {
    return undefined;
  }
}
