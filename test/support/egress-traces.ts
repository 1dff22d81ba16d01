import { execFileSync } from 'node:child_process';
import { EGRESS_CHAIN, staleJumpDeletions } from '../../libs/daemon/src/egress-rules';

const TOOLS = ['iptables', 'ip6tables'];

function listing(tool: string): string {
  try {
    return execFileSync(tool, ['-w', '-S'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

/** Every rule line, of either family, that names the service's egress chain. */
export function egressTraces(): string[] {
  return TOOLS.flatMap((tool) => listing(tool).split('\n').filter((line) => line.split(/\s+/).includes(EGRESS_CHAIN)).map((line) => `${tool} ${line}`));
}

/** Removes whatever a killed service left (jumps first, then the chains). */
export function removeEgressRules(): void {
  for (const tool of TOOLS) {
    const rules = listing(tool);
    for (const deletion of staleJumpDeletions(rules)) execFileSync(tool, ['-w', ...deletion]);
    if (rules.split('\n').includes(`-N ${EGRESS_CHAIN}`)) {
      execFileSync(tool, ['-w', '-F', EGRESS_CHAIN]);
      execFileSync(tool, ['-w', '-X', EGRESS_CHAIN]);
    }
  }
}
