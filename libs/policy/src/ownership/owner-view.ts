import { ownerStanding } from './owned-object';

/**
 * Answers the proxy filters itself, because the daemon's filters cannot say
 * "mine or shared" (label filters only AND): the image list (own and
 * unlabelled images), the network list (own and the predefined networks) and
 * `/system/df` (own images, containers and volumes, shared images).
 */
export type OwnerView = 'images' | 'networks' | 'system-df';

type Entry = { Labels?: unknown; Name?: unknown };
const keep = (kind: 'container' | 'volume' | 'network' | 'image', owner: string) => (entry: Entry) => {
  const standing = ownerStanding(kind, entry?.Labels, entry?.Name, owner);
  return standing === 'mine' || standing === 'shared';
};
const filtered = (list: unknown, predicate: (entry: Entry) => boolean): unknown => (Array.isArray(list) ? list.filter(predicate) : list);

/**
 * The daemon's answer as the requester may see it. An answer of another shape
 * (an error, an unexpected type) is returned as it is: it lists nothing.
 */
export function ownerVisible(view: OwnerView, answer: unknown, owner: string): unknown {
  switch (view) {
    case 'images':
      return filtered(answer, keep('image', owner));
    case 'networks':
      return filtered(answer, keep('network', owner));
    case 'system-df': {
      if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return answer;
      const df = answer as Record<string, unknown>;
      return {
        ...df,
        Images: filtered(df.Images, keep('image', owner)),
        Containers: filtered(df.Containers, keep('container', owner)),
        Volumes: filtered(df.Volumes, keep('volume', owner)),
      };
    }
  }
}
