import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { e2eState, STATE_FILE } from './e2e-state';
import { isAlive, mountsUnder, processesMentioning } from './leftovers';
import { removeDaemonNetworkTraces } from './daemon-network-traces';

/**
 * Stops the service if a spec did not already, then makes sure nothing of the
 * run is left: no process naming its directory, no mount under it, and (when
 * the run found none) none of the daemon's bridges and iptables chains.
 */
export default async function globalTeardown(): Promise<void> {
  if (!existsSync(STATE_FILE)) return;
  const state = e2eState();
  if (isAlive(state.servicePid)) {
    process.kill(state.servicePid, 'SIGTERM');
    const deadline = Date.now() + 60_000;
    while (isAlive(state.servicePid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    // Its command line names no run directory, so the sweep below would miss it.
    if (isAlive(state.servicePid)) process.kill(state.servicePid, 'SIGKILL');
  }
  for (const { pid } of processesMentioning(state.baseDir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const mountPoint of mountsUnder(state.baseDir).reverse()) {
    try {
      execFileSync('umount', ['-l', mountPoint]);
    } catch {
      // Unmounted with its parent.
    }
  }
  if (state.networkTraces) removeDaemonNetworkTraces(state.networkTraces.forwardPolicy);
  if (process.env.KEEP_E2E_DIR !== '1') rmSync(state.baseDir, { recursive: true, force: true });
  rmSync(STATE_FILE, { force: true });
}
