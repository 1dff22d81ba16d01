import { deny, PolicyDenial } from '../policy-denial';
import { applyRules, FieldRule, isAbsent, RuleContext } from './field-rule';
import { HOST_CONFIG_RULES } from './host-config.rules';
import { checkMounts } from './volume-source';

/**
 * Another container a request borrows from: its volumes (`VolumesFrom`), its
 * namespaces (`container:<ref>` modes) or its whole confinement (exec). What is
 * borrowed is only as safe as that container, so it must itself satisfy the
 * policy. The policy cannot see the daemon; the transport inspects each one and
 * hands the result to `checkReferencedContainer`.
 */
export interface ContainerReference {
  /** Where the request named it, e.g. 'HostConfig.VolumesFrom[0]' or 'path.id'. */
  readonly field: string;
  /** The value as the client wrote it. */
  readonly value: string;
  /** The container name or ID (prefix) the daemon will resolve. */
  readonly ref: string;
  readonly purpose: 'volumes-from' | 'network' | 'pid' | 'ipc' | 'exec';
  /** Ownership mode: the requester, who must own what is referenced (set by the policy, not the validator). */
  readonly owner?: string;
}

const NAMESPACE_FIELDS = { network: 'NetworkMode', pid: 'PidMode', ipc: 'IpcMode' } as const;

/**
 * `name[:mode]` → name. The daemon splits at the first colon and accepts more
 * modes than ro/rw (SELinux z/Z), so the name is everything before it.
 */
function volumesFromName(entry: string): string {
  const colon = entry.indexOf(':');
  return colon === -1 ? entry : entry.slice(0, colon);
}

/** `container:<ref>` → ref. */
export function containerModeRef(mode: unknown): string | undefined {
  return typeof mode === 'string' && mode.startsWith('container:') ? mode.slice('container:'.length) : undefined;
}

/** The containers a create body borrows from. */
export function containerReferencesOfCreate(body: Record<string, unknown>): ContainerReference[] {
  const hostConfig = body.HostConfig as Record<string, unknown> | null | undefined;
  if (isAbsent(hostConfig)) return [];
  const found: ContainerReference[] = [];
  const volumesFrom = hostConfig!.VolumesFrom;
  if (Array.isArray(volumesFrom)) {
    volumesFrom.forEach((entry, index) => {
      if (typeof entry === 'string') found.push({ field: `HostConfig.VolumesFrom[${index}]`, value: entry, ref: volumesFromName(entry), purpose: 'volumes-from' });
    });
  }
  for (const [purpose, field] of Object.entries(NAMESPACE_FIELDS) as Array<[keyof typeof NAMESPACE_FIELDS, string]>) {
    const ref = containerModeRef(hostConfig![field]);
    if (ref !== undefined) found.push({ field: `HostConfig.${field}`, value: hostConfig![field] as string, ref, purpose });
  }
  return found;
}

// What a borrowed container must satisfy: whatever of its configuration reaches
// the host. Not MaskedPaths/ReadonlyPaths (inspect reports the daemon's defaults
// there) and not what stays the other container's own business (ports, logs,
// resources).
const REFERENCED_RULE_NAMES = new Set(['privileged', 'capabilities', 'devices', 'host-mount', 'host-namespace']);
const REFERENCED_CONTAINER_RULES: readonly FieldRule[] = HOST_CONFIG_RULES.filter(
  (rule) => REFERENCED_RULE_NAMES.has(rule.rule) || (rule.rule === 'confinement' && rule.field === 'SecurityOpt'),
);

interface InspectedMount {
  readonly Type?: string;
  readonly Source?: string;
  readonly Destination?: string;
  readonly RW?: boolean;
  readonly Driver?: string;
}

/**
 * Checks a container the request borrows from, as `GET /containers/{id}/json`
 * reports it: its HostConfig against the rules above, and its effective mounts
 * (which include what it inherited through its own VolumesFrom) against the
 * host-mount rule.
 */
export function checkReferencedContainer(reference: ContainerReference, inspected: unknown, context: RuleContext): PolicyDenial | undefined {
  const container = (inspected ?? {}) as { HostConfig?: unknown; Mounts?: InspectedMount[] };
  const mounts = (container.Mounts ?? []).map((mount) =>
    mount.Type === 'bind'
      ? { Type: 'bind', Source: mount.Source, Target: mount.Destination, ReadOnly: mount.RW === false }
      : { Type: mount.Type, Target: mount.Destination, VolumeOptions: mount.Driver && mount.Driver !== 'local' ? { DriverConfig: { Name: mount.Driver } } : undefined },
  );
  const found =
    applyRules(REFERENCED_CONTAINER_RULES, container.HostConfig, context, 'HostConfig.') ??
    applyRules([{ rule: 'host-mount', field: 'Mounts', check: checkMounts }], { Mounts: mounts }, context, '(effective) ');
  if (!found) return undefined;
  const what = `${found.field ?? ''}${found.value === undefined ? '' : `=${JSON.stringify(found.value)}`}`;
  return deny(
    'container-reference',
    `container ${JSON.stringify(reference.ref)} does not satisfy this policy (${what}: ${found.reason}; rule ${found.rule}), so ${PURPOSE_TEXT[reference.purpose]} is not allowed`,
    reference.field,
    reference.value,
  );
}

const PURPOSE_TEXT: Record<ContainerReference['purpose'], string> = {
  'volumes-from': 'taking its volumes',
  network: 'joining its network namespace',
  pid: 'joining its PID namespace',
  ipc: 'joining its IPC namespace',
  exec: 'running a process in it',
};

/** The next container a namespace join leads to, when the referenced one itself joined another. */
export function nextNamespaceReference(reference: ContainerReference, inspected: unknown): ContainerReference | undefined {
  if (reference.purpose !== 'network' && reference.purpose !== 'pid' && reference.purpose !== 'ipc') return undefined;
  const hostConfig = (inspected as { HostConfig?: Record<string, unknown> } | undefined)?.HostConfig;
  const ref = containerModeRef(hostConfig?.[NAMESPACE_FIELDS[reference.purpose]]);
  return ref === undefined ? undefined : { ...reference, ref };
}
