import type { DockerfileImage } from '../build/dockerfile-reader';
import { parseStrictJson, StrictJsonError } from '../json/strict-json.parser';
import { deny, PolicyDenial } from '../policy-denial';
import { OwnedObject } from './owned-object';
import { OWNERSHIP_RULE } from './owner-label';

/**
 * A reference the daemon may resolve as an image ID prefix (GetImage tries the
 * name, then a unique prefix). A full ID names one image for good; a prefix
 * does not: the check would inspect the requester's image of that name, and
 * the build, once the name is gone, read another client's image by prefix.
 * The build's own bytes name it, so it cannot be pinned like a query value.
 */
export function isImageIdPrefix(reference: string): boolean {
  const hex = reference.startsWith('sha256:') ? reference.slice('sha256:'.length) : reference;
  return /^[0-9a-f]{1,63}$/.test(hex);
}

const usedImage = (field: string, ref: string, owner: string): OwnedObject => ({ kind: 'image', ref, field, owner, ifMissing: 'go-on' });

const prefixRefusal = (field: string, value: string) =>
  deny(OWNERSHIP_RULE, 'an image the build reads must be named by name or full ID, not an ID prefix (it could resolve to another client\'s image)', field, value);

/**
 * The images a classic build reads because of its Dockerfile (base images,
 * `COPY --from` images, and those of a base image's ONBUILD triggers, which
 * the daemon parses one by one in the stage built on it): each must be
 * the requester's or shared, like the image of a container create. One that
 * does not exist is pulled by the daemon from a registry, and may be.
 */
export function buildImageObjects(images: readonly DockerfileImage[], owner: string): OwnedObject[] | PolicyDenial {
  const objects: OwnedObject[] = [];
  for (const image of images) {
    if (isImageIdPrefix(image.reference)) return prefixRefusal(image.field, image.value);
    objects.push(usedImage(image.field, image.reference, owner));
  }
  return objects;
}

/**
 * A classic build's `cachefrom` (a JSON list): local images whose layers the
 * build reuses when its steps match theirs, which would hand over another
 * client's layers. Checked like a base image.
 */
export function cacheFromObjects(raw: string | undefined, owner: string): OwnedObject[] | PolicyDenial {
  if (raw === undefined || raw === '') return [];
  let list: unknown;
  try {
    list = parseStrictJson(raw, { isMap: () => false });
  } catch (error) {
    if (error instanceof StrictJsonError) return deny('query.cachefrom', `not a valid JSON list: ${error.reason}`, 'query.cachefrom', raw);
    throw error;
  }
  if (list === null) return [];
  if (!Array.isArray(list) || list.some((ref) => typeof ref !== 'string')) return deny('query.cachefrom', 'cachefrom must be a JSON list of image references', 'query.cachefrom', raw);
  const objects: OwnedObject[] = [];
  for (const ref of list as string[]) {
    if (ref === '') continue;
    if (isImageIdPrefix(ref)) return prefixRefusal('query.cachefrom', ref);
    objects.push(usedImage('query.cachefrom', ref, owner));
  }
  return objects;
}

/**
 * An image ID that names no image (no content hashes to it): a cache source
 * the daemon looks up, does not find and skips, and that no client can create.
 */
export const NO_CACHE_SOURCE = `sha256:${'0'.repeat(64)}`;

/**
 * What a classic build's cache may reuse. Without `cachefrom` the daemon
 * reuses any local image whose parent and step match, whoever built it: a
 * client could build a Dockerfile another client builds (a public project's)
 * with a RUN step whose outcome it controls (its own --add-host, network or
 * base), and the other's build would take that step from the cache. With
 * `cachefrom`, a local hit counts only if it is an ancestor of a listed image
 * (moby's ImageCache). So a build that names no cache sources is given the
 * images its `t` names hold (its own, by the tag check) and an ID that names
 * nothing: it reuses the steps of the image it replaces, and no one else's.
 */
export function ownCacheSources(tags: readonly string[]): string {
  const own = tags.filter((tag) => tag !== '' && !isImageIdPrefix(tag));
  return JSON.stringify([...own, NO_CACHE_SOURCE]);
}
