import { execFileSync } from 'node:child_process';
import { docker, text } from './docker-cli';

/**
 * The host's address on a daemon network, read from the host's own bridge
 * interface. The daemon's IPAM config names a gateway only when one was
 * configured (on a first start, with no docker0 yet, the default bridge's has
 * none), so it cannot be the test's source.
 */
export async function bridgeGateway(cli: string, host: string, network: string): Promise<string> {
  const inspected = text(await docker(cli, host, ['network', 'inspect', network, '--format', '{{.Id}}|{{index .Options "com.docker.network.bridge.name"}}']));
  const [id, name] = inspected.split('|');
  const bridge = name && name !== '<no value>' ? name : `br-${id.slice(0, 12)}`;
  const addresses = execFileSync('ip', ['-4', '-o', 'addr', 'show', 'dev', bridge], { encoding: 'utf8' });
  const found = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(addresses);
  if (!found) throw new Error(`the bridge ${bridge} of network ${network} has no IPv4 address: ${addresses}`);
  return found[1];
}
