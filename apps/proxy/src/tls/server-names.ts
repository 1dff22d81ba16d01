import { readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';

/**
 * The names a client may use to reach this container, as docker:dind puts them
 * in its server certificate: the host name, `docker` (the service alias CI
 * systems give it), `localhost`, every address of every interface (loopback
 * included), the aliases /etc/hosts gives those addresses, and DOCKER_TLS_SAN.
 */
export function serverNames(extra: readonly string[], hostsFile = '/etc/hosts'): string[] {
  const addresses = Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .map((entry) => entry.address.replace(/%.*$/, ''));
  const dnsNames = new Set([hostname(), 'docker', 'localhost', ...hostsAliases(hostsFile, new Set(addresses))]);
  const names = [...[...dnsNames].filter(isDnsName).map((name) => `DNS:${name}`), ...addresses.map((address) => `IP:${address}`), ...extra];
  return [...new Set(names)];
}

/** Names /etc/hosts gives one of our own addresses (a container's hostname and its network aliases). */
function hostsAliases(hostsFile: string, own: ReadonlySet<string>): string[] {
  let text: string;
  try {
    text = readFileSync(hostsFile, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').flatMap((line) => {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    return address && own.has(address) ? names : [];
  });
}

// A name that is not a DNS name would make openssl refuse the whole certificate.
const isDnsName = (name: string) => /^[A-Za-z0-9*]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(name) && name.length <= 253;
