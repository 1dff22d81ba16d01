import { normalizeCapability } from '../options/policy-options';
import { eachEntry, Finding, isAbsent, RuleContext } from './field-rule';
import { isHostMode, isHostNetworkRef } from './namespace-mode';

/** CapAdd: only the capabilities the operator allowed (the daemon reads them case-insensitively, CAP_ optional). */
export function checkCapAdd(value: unknown, context: RuleContext): Finding | undefined {
  const allowed = context.options.allowedCapabilities;
  return eachEntry(value, (entry, index) => {
    if (typeof entry === 'string' && allowed.includes(normalizeCapability(entry))) return undefined;
    return {
      reason: allowed.length === 0 ? 'adding capabilities is not allowed (dropping them with CapDrop is)' : `only these capabilities may be added: ${allowed.join(', ')}`,
      field: `CapAdd[${index}]`,
      value: entry,
    };
  });
}

export function checkNetworkMode(value: unknown, context: RuleContext): string | undefined {
  return isHostNetworkRef(value, context.hostNetworkIds()) && !context.options.hostNetwork
    ? "sharing the host's network namespace is not allowed"
    : undefined;
}

// Sysctls the kernel keeps per namespace (Docker's own list): they cannot reach
// the host unless the namespace is the host's.
const NAMESPACED_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);
const isNamespacedSysctl = (key: string) => NAMESPACED_SYSCTLS.has(key) || key.startsWith('fs.mqueue.') || key.startsWith('net.');

export function checkSysctls(value: unknown, context: RuleContext, hostConfig?: Record<string, unknown>): Finding | undefined {
  if (isAbsent(value) || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value as object)) {
    const field = `Sysctls.${key}`;
    if (!context.options.namespacedSysctls) return { reason: 'sysctls are not allowed', field, value: (value as Record<string, unknown>)[key] };
    if (!isNamespacedSysctl(key)) return { reason: 'only namespaced sysctls (net.*, fs.mqueue.*, IPC kernel.*) are allowed', field, value: key };
    if (key.startsWith('net.') && isHostMode(hostConfig?.NetworkMode)) return { reason: 'net.* sysctls with the host network would change the host', field, value: key };
  }
  return undefined;
}

/** Publishing lands on the service's own network namespace: off, or within the allowed range. */
export function checkPortBindings(value: unknown, context: RuleContext): Finding | undefined {
  if (isAbsent(value) || typeof value !== 'object') return undefined;
  const { enabled, range } = context.options.portPublishing;
  for (const [port, bindings] of Object.entries(value as Record<string, unknown>)) {
    if (!Array.isArray(bindings) || bindings.length === 0) continue;
    const field = `PortBindings.${port}`;
    if (!enabled) return { reason: "publishing ports onto the service's own network namespace is not allowed", field, value: bindings };
    if (!range) continue;
    for (const binding of bindings as Array<Record<string, unknown> | null>) {
      const hostPort = binding?.HostPort;
      const [low, high = low] = typeof hostPort === 'string' ? hostPort.split('-').map(Number) : [NaN];
      if (!(low >= range[0] && high <= range[1] && low <= high)) {
        return { reason: `host ports must be given and lie within ${range[0]}-${range[1]}`, field, value: bindings };
      }
    }
  }
  return undefined;
}

export function checkPublishAll(value: unknown, context: RuleContext): string | undefined {
  if (value !== true) return undefined;
  const { enabled, range } = context.options.portPublishing;
  if (!enabled) return "publishing ports onto the service's own network namespace is not allowed";
  return range ? 'PublishAllPorts picks random host ports, outside the allowed range' : undefined;
}
