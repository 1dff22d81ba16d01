import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// dockerd leaves its bridges and iptables chains behind when it stops. A run
// that found none removes them again, so that every run (like CI's, on a
// fresh machine) starts the daemon with no docker0: on a first start the
// daemon's network state differs (the default bridge's IPAM has no gateway).

const mentionsDaemon = (line: string) => /DOCKER|docker0|\bbr-[0-9a-f]{12}\b/.test(line);

const iptablesSave = (): string => {
  try {
    return execFileSync('iptables-save', { encoding: 'utf8' });
  } catch {
    return '';
  }
};

/** Whether the daemon's bridge or chains are already here (left by a daemon this run did not start). */
export function daemonNetworkTracesPresent(): boolean {
  return existsSync('/sys/class/net/docker0') || iptablesSave().split('\n').some(mentionsDaemon);
}

/** The FORWARD policy, which dockerd sets to DROP. */
export function forwardPolicy(): string {
  return /^:FORWARD (\w+)/m.exec(iptablesSave())?.[1] ?? 'ACCEPT';
}

/** Removes the bridges and the iptables rules and chains dockerd made, and restores the FORWARD policy. */
export function removeDaemonNetworkTraces(policy: string): void {
  const saved = iptablesSave();
  if (saved) {
    const kept = saved
      .split('\n')
      .filter((line) => !mentionsDaemon(line))
      .map((line) => (line.startsWith(':FORWARD ') ? line.replace(/^:FORWARD \w+/, `:FORWARD ${policy}`) : line))
      .join('\n');
    execFileSync('iptables-restore', { input: kept });
  }
  const bridges = execFileSync('ip', ['-o', 'link', 'show', 'type', 'bridge'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\d+: ([^:@]+)/.exec(line)?.[1])
    .filter((name): name is string => !!name && (name === 'docker0' || /^br-[0-9a-f]{12}$/.test(name)));
  for (const bridge of bridges) execFileSync('ip', ['link', 'delete', bridge]);
}
