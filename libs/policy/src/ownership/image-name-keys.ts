import { parseNormalizedNamed, ReferenceDialect } from '../rules/image-reference';
import type { OwnedObject } from './owned-object';

const DIALECTS: readonly ReferenceDialect[] = ['v20.10', 'current'];
const ID = /^(sha256:)?[0-9a-f]{64}$/;

/** Every image name a request may move: a prune may remove any of them. */
export const EVERY_IMAGE_NAME = '*';

/**
 * The names (`domain/path:tag`) an image reference is looked up by, as either
 * grammar the daemons speak normalises it; none for a full ID or a digest,
 * which always name the same content. A reference neither grammar reads is
 * kept as written: it still stands for whatever the daemon makes of it.
 */
export function imageNameKeys(reference: string): string[] {
  if (ID.test(reference)) return [];
  const keys = new Set<string>();
  for (const dialect of DIALECTS) {
    const parsed = parseNormalizedNamed(reference, dialect);
    if ('error' in parsed) continue;
    if (parsed.digest !== undefined) return [];
    keys.add(`${parsed.domain}/${parsed.path}:${parsed.tag ?? 'latest'}`);
  }
  return keys.size > 0 ? [...keys] : [reference];
}

// The query parameters whose image name a request points at its result.
const NAMING_FIELDS = new Set(['query.repo', 'query.fromImage', 'query.t']);

/**
 * Ownership mode: the image names a request moves (tag, pull, import, commit
 * and build targets; the path of an image delete; every name for a prune),
 * which may not move while a build reads them.
 */
export function imageNamesMovedBy(template: string, method: string, objects: readonly OwnedObject[]): string[] {
  if (method === 'POST' && template === '/images/prune') return [EVERY_IMAGE_NAME];
  const moved = objects.filter((object) => object.kind === 'image' && (NAMING_FIELDS.has(object.field) || (method === 'DELETE' && object.field === 'path.name')));
  return [...new Set(moved.flatMap((object) => imageNameKeys(object.ref)))];
}
