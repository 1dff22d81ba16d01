import { execFileSync } from 'node:child_process';
import { EGRESS_CHAIN } from '../../libs/daemon/src/egress-rules';

/**
 * Lets the daemon dial the given loopback ports, past the service's egress
 * rules, until `close()`. For tests that observe what the daemon *would* dial
 * (the build inspector's differential): the kernel rules would otherwise hide
 * every dial. Nothing else may use it. Without the chain (EGRESS_ENFORCEMENT=off)
 * there is nothing to open.
 */
export function openEgressHole(hostPorts: readonly string[]): { close(): void } {
  const rules = hostPorts.map((hostPort) => {
    const [host, port] = hostPort.split(':');
    return ['-p', 'tcp', '-d', host, '--dport', port, '-j', 'RETURN'];
  });
  const chainExists = (() => {
    try {
      execFileSync('iptables', ['-w', '-S', EGRESS_CHAIN], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (!chainExists) return { close: () => undefined };
  for (const rule of rules) execFileSync('iptables', ['-w', '-I', EGRESS_CHAIN, '1', ...rule]);
  return {
    close: () => {
      for (const rule of rules) {
        try {
          execFileSync('iptables', ['-w', '-D', EGRESS_CHAIN, ...rule], { stdio: 'ignore' });
        } catch {
          // The chain went with the service.
        }
      }
    },
  };
}
