import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { e2eState, STATE_FILE } from './e2e-state';
import { isAlive, mountsUnder, processesMentioning } from './leftovers';
import { removeDaemonNetworkTraces } from './daemon-network-traces';
import { egressTraces, removeEgressRules } from './egress-traces';
import { restoreMachineResolver } from './machine-resolver';
import { ProcessRunner } from '../../libs/daemon/src/process-runner';
import { DaemonCgroup, daemonCgroupName } from '../../libs/daemon/src/daemon-cgroup';

/**
 * Stops the service if a spec did not already, then makes sure nothing of the
 * run is left: no process naming its directory, no mount under it, and (when
 * the run found none) none of the daemon's bridges and iptables chains.
 */
export default async function globalTeardown(): Promise<void> {
  if (!existsSync(STATE_FILE)) return;
  const state = e2eState();
  restoreMachineResolver(state.baseDir);
  let killed = false;
  if (isAlive(state.servicePid)) {
    process.kill(state.servicePid, 'SIGTERM');
    const deadline = Date.now() + 60_000;
    while (isAlive(state.servicePid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    // Its command line names no run directory, so the sweep below would miss it.
    if (isAlive(state.servicePid)) {
      process.kill(state.servicePid, 'SIGKILL');
      killed = true;
    }
  }
  // A service stopped with SIGTERM removes its egress rules itself; one that had
  // to be killed cannot, and the machine is left as it was found either way.
  const leftRules = egressTraces();
  if (leftRules.length > 0) removeEgressRules();
  // The daemon's cgroup is beneath this process's own (it started the service):
  // whatever is still in it was the daemon's.
  const cgroup = new DaemonCgroup({ mode: 'namespace', name: daemonCgroupName(state.runDir), pidsMax: 1 });
  const left = [...new Set([...processesMentioning(state.baseDir).map(({ pid }) => pid), ...cgroup.processes()])];
  // A leftover shim's children are containers' first processes: they go too.
  for (const pid of [...new ProcessRunner().childrenOf(left), ...left]) {
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
  await new Promise((resolve) => setTimeout(resolve, 200));
  const busy = cgroup.remove();
  if (busy.length > 0) console.warn(`cgroups still busy after the run: ${busy.join(', ')}`);
  if (state.networkTraces) removeDaemonNetworkTraces(state.networkTraces.forwardPolicy);
  if (process.env.KEEP_E2E_DIR !== '1') rmSync(state.baseDir, { recursive: true, force: true });
  rmSync(STATE_FILE, { force: true });
  if (leftRules.length > 0 && !killed) throw new Error(`the service stopped but left its egress rules (removed now):\n${leftRules.join('\n')}`);
}
