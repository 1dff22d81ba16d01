import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** A bind address is an IP literal: a name could resolve to anything, and to something else later. */
export function isIpLiteral(value: string): boolean {
  return isIP(value) !== 0;
}

/** Whether an IP literal is a loopback address (decided by address, never by how it is spelled). */
export function isLoopbackAddress(value: string): boolean {
  const family = isIP(value);
  if (family === 0) return false;
  return LOOPBACK.check(value, family === 4 ? 'ipv4' : 'ipv6');
}
