import { deny, PolicyDenial } from '../policy-denial';
import { applyRules, isAbsent, RuleContext } from './field-rule';
import { VOLUME_CREATE_RULES } from './volume-network.rules';
import { VOLUME_NAME } from './volume-source';

/**
 * A named volume a request mounts. A volume is a host mount when its driver
 * options make it one (local driver, `type=none,o=bind,device=/host/path`),
 * whoever created it: an operator, another user of a shared daemon, the
 * daemon's past. The daemon mounts an existing volume with the options it was
 * created with, so the transport inspects it (`GET /volumes/{name}`) and hands
 * the answer to `checkReferencedVolume`.
 */
export interface VolumeReference {
  /** Where the request named it, e.g. 'HostConfig.Binds[0]'. */
  readonly field: string;
  /** The value as the client wrote it. */
  readonly value: string;
  /** The volume name the daemon looks up (exact: volumes have no ID prefixes). */
  readonly name: string;
  /** Ownership mode: the requester, who must own what is referenced (set by the policy, not the validator). */
  readonly owner?: string;
  /** A `Mounts` entry's `VolumeOptions.Labels`: the labels the daemon would give the volume it creates. */
  readonly labels?: Readonly<Record<string, unknown>>;
}

/**
 * The named volumes of a create body, as the daemon's mount parser finds them
 * (daemon/volumes.go registerMountPoints): a `Binds` entry whose source is not
 * an absolute path names a volume; a `Mounts` entry of type volume names one
 * in `Source` (empty: an anonymous volume, which the daemon creates fresh).
 */
export function volumeReferencesOfCreate(body: Record<string, unknown>): VolumeReference[] {
  const hostConfig = body.HostConfig as Record<string, unknown> | null | undefined;
  if (isAbsent(hostConfig)) return [];
  const found: VolumeReference[] = [];
  const binds = hostConfig!.Binds;
  if (Array.isArray(binds)) {
    binds.forEach((entry, index) => {
      if (typeof entry !== 'string') return;
      const [source, ...rest] = entry.split(':');
      if (rest.length > 0 && VOLUME_NAME.test(source)) found.push({ field: `HostConfig.Binds[${index}]`, value: entry, name: source });
    });
  }
  const mounts = hostConfig!.Mounts;
  if (Array.isArray(mounts)) {
    mounts.forEach((entry, index) => {
      const mount = (entry ?? {}) as Record<string, unknown>;
      if (mount.Type === 'volume' && typeof mount.Source === 'string' && mount.Source !== '') {
        const labels = (mount.VolumeOptions as Record<string, unknown> | null | undefined)?.Labels;
        const reference = { field: `HostConfig.Mounts[${index}].Source`, value: mount.Source, name: mount.Source };
        found.push(labels !== null && typeof labels === 'object' ? { ...reference, labels: labels as Record<string, unknown> } : reference);
      }
    });
  }
  return found;
}

// The rules that judge a `POST /volumes/create` body's driver and options judge
// an existing volume too: the same options make the same mount.
const VOLUME_DRIVER_RULES = VOLUME_CREATE_RULES.filter((rule) => rule.field === 'Driver' || rule.field === 'DriverOpts');

/**
 * Checks an existing volume as `GET /volumes/{name}` reports it: its `Driver`
 * and its `Options` (the driver options it was created with) must be what
 * `POST /volumes/create` would accept.
 */
export function checkReferencedVolume(reference: VolumeReference, inspected: unknown, context: RuleContext): PolicyDenial | undefined {
  const volume = (inspected ?? {}) as { Name?: unknown; Driver?: unknown; Options?: unknown };
  // The answer must be the volume asked about; anything else was not checked.
  if (volume.Name !== reference.name) {
    return refusal(reference, `the daemon's answer for volume ${JSON.stringify(reference.name)} does not describe it`);
  }
  const found = applyRules(VOLUME_DRIVER_RULES, { Driver: volume.Driver, DriverOpts: volume.Options }, context);
  if (!found) return undefined;
  const what = `${found.field ?? ''}${found.value === undefined ? '' : `=${JSON.stringify(found.value)}`}`;
  return refusal(reference, `volume ${JSON.stringify(reference.name)} exists with ${what}: ${found.reason} (rule ${found.rule}), so mounting it is not allowed`);
}

export const volumeReferenceRefusal = (reference: VolumeReference, reason: string): PolicyDenial => refusal(reference, reason);
const refusal = (reference: VolumeReference, reason: string): PolicyDenial => deny('volume-reference', reason, reference.field, reference.value);
