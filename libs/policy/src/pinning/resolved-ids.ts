import type { OwnedKind } from '../ownership/owned-object';

const FULL_IMAGE_ID = /^sha256:[0-9a-f]{64}$/;
// What the daemon may read as an image ID or ID prefix rather than as a name:
// hex alone, or hex after the digest algorithm. Anything with a '/', a tag of
// other characters or a digest after '@' is only ever a name.
const IMAGE_ID_LIKE = /^(sha256:)?[0-9a-f]+$/;

/**
 * What the daemon's inspect resolved each reference to, by kind and reference
 * as the request gave it. The transport records an answer per inspect; two
 * inspects of one reference that resolved to different objects (it moved in
 * between) are kept apart, so the request can be refused rather than pinned
 * to either.
 */
export class ResolvedIds {
  private readonly ids = new Map<string, Set<string>>();

  record(kind: OwnedKind, ref: string, id: string): void {
    const key = `${kind}:${ref}`;
    const ids = this.ids.get(key) ?? new Set<string>();
    ids.add(id);
    this.ids.set(key, ids);
  }

  /** The one ID a reference resolved to; undefined when it was not inspected; 'moved' when inspects disagreed. */
  lookup(kind: OwnedKind, ref: string): string | undefined | 'moved' {
    const ids = this.ids.get(`${kind}:${ref}`);
    if (!ids || ids.size === 0) return undefined;
    return ids.size === 1 ? [...ids][0] : 'moved';
  }
}

/**
 * The reference to forward instead of the one the request gave, from the
 * daemon's inspect of it, so the daemon cannot resolve it to another object
 * at forward time (a name removed meanwhile falls back to an ID prefix).
 * Containers, networks and exec sessions: their full ID. Volumes: none (a
 * volume name is matched exactly). Images: see `imageForwardRef`.
 */
export function resolvedIdOf(kind: OwnedKind, ref: string, inspected: unknown): string | undefined {
  const answer = (inspected ?? {}) as { Id?: unknown; ID?: unknown; RepoTags?: unknown };
  if (kind === 'volume') return undefined;
  if (kind === 'image') return imageForwardRef(ref, answer);
  const id = kind === 'exec' ? answer.ID : answer.Id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/**
 * An image is often named on purpose (push needs the repository; save of a
 * name keeps its tags; delete of a name untags it), so it is pinned only where
 * the daemon could read the reference as an ID prefix:
 * - a name that cannot be an ID prefix is forwarded as it is;
 * - a reference that resolved as an ID prefix (not a tag of that image) is
 *   forwarded as the full ID, which the daemon treats exactly like the prefix;
 * - one that resolved as a name (a hex-only repository) is forwarded fully
 *   qualified, which the daemon never reads as an ID.
 * Undefined when the inspect names no image ID: the caller refuses.
 */
export function imageForwardRef(ref: string, inspected: { Id?: unknown; RepoTags?: unknown }): string | undefined {
  if (!IMAGE_ID_LIKE.test(ref)) return ref;
  const id = inspected.Id;
  if (typeof id !== 'string' || !FULL_IMAGE_ID.test(id)) return undefined;
  const tags = Array.isArray(inspected.RepoTags) ? inspected.RepoTags : [];
  // The daemon reads a name without a tag as `:latest`; `sha256:abc` as a name is repository sha256, tag abc.
  const tagged = tags.includes(ref.startsWith('sha256:') ? ref : `${ref}:latest`);
  if (!tagged && id.slice('sha256:'.length).startsWith(ref.replace(/^sha256:/, ''))) return id;
  return `docker.io/library/${ref}`;
}
