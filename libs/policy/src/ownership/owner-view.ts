import { isNamedImage, ownerStanding } from './owned-object';

/**
 * Answers the proxy filters itself, because the daemon's filters cannot say
 * "mine or shared" (label filters only AND): the image list (own and
 * unlabelled images), the network list (own and the predefined networks),
 * `/system/df` (own images, containers and volumes, shared images), and one
 * network's inspect, whose `Containers` on a shared network (the default
 * bridge) would name every client's containers and addresses.
 */
export type OwnerView = 'images' | 'networks' | 'system-df' | 'network';

type Entry = { Labels?: unknown; Name?: unknown; RepoTags?: unknown; RepoDigests?: unknown };
const keep = (kind: 'container' | 'volume' | 'network' | 'image', owner: string) => (entry: Entry) => {
  const standing = ownerStanding(kind, entry?.Labels, entry?.Name, owner, kind !== 'image' || isNamedImage(entry));
  return standing === 'mine' || standing === 'shared';
};
const filtered = (list: unknown, predicate: (entry: Entry) => boolean): unknown => (Array.isArray(list) ? list.filter(predicate) : list);

/**
 * The daemon's answer as the requester may see it. An answer of another shape
 * (an error, an unexpected type) is returned as it is: it lists nothing.
 * `ownContainers`: the IDs of the requester's containers (only the network
 * view reads them; none given, none shown).
 */
export function ownerVisible(view: OwnerView, answer: unknown, owner: string, ownContainers: ReadonlySet<string> = new Set()): unknown {
  switch (view) {
    case 'network': {
      // Keyed by container ID; the requester's IDs come from the daemon (`ownContainers`).
      if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return answer;
      const network = answer as Record<string, unknown>;
      const containers = network.Containers;
      if (containers === null || typeof containers !== 'object') return network;
      return { ...network, Containers: Object.fromEntries(Object.entries(containers).filter(([id]) => ownContainers.has(id))) };
    }
    case 'images':
      return filtered(answer, keep('image', owner));
    case 'networks': {
      const kept = filtered(answer, keep('network', owner));
      // Before API 1.28 the list names each network's containers: on the default bridge, everyone's.
      return Array.isArray(kept) ? kept.map((entry: Record<string, unknown>) => (entry?.Containers && typeof entry.Containers === 'object' ? { ...entry, Containers: {} } : entry)) : kept;
    }
    case 'system-df': {
      if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return answer;
      const df = answer as Record<string, unknown>;
      // API 1.52 answers both the legacy lists and the per-type usages, whose
      // `Items` are the same lists (alone with ?verbose=1); both are narrowed.
      const usage = (value: unknown, kind: 'image' | 'container' | 'volume'): unknown => {
        if (value === null || typeof value !== 'object' || Array.isArray(value) || !('Items' in value)) return value;
        return { ...value, Items: filtered((value as { Items: unknown }).Items, keep(kind, owner)) };
      };
      return {
        ...df,
        Images: filtered(df.Images, keep('image', owner)),
        Containers: filtered(df.Containers, keep('container', owner)),
        Volumes: filtered(df.Volumes, keep('volume', owner)),
        ...('ImageUsage' in df ? { ImageUsage: usage(df.ImageUsage, 'image') } : {}),
        ...('ContainerUsage' in df ? { ContainerUsage: usage(df.ContainerUsage, 'container') } : {}),
        ...('VolumeUsage' in df ? { VolumeUsage: usage(df.VolumeUsage, 'volume') } : {}),
      };
    }
  }
}
