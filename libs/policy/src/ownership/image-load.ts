import { deny, PolicyDenial } from '../policy-denial';
import { parseNormalizedNamed, ReferenceDialect } from '../rules/image-reference';
import { ArchiveJsonError, imageConfigLabels, legacyParent, parseArchiveJson, structField } from './image-archive-json';
import { OwnedObject } from './owned-object';
import { OWNER_LABEL, OWNERSHIP_RULE } from './owner-label';

/**
 * What an image archive (`docker load`) holds at a path once the daemon has
 * extracted it: the daemon extracts the whole archive to a directory before it
 * reads anything (moby image/tarexport/load.go, 20.10 to 26.1), so this is the
 * last entry of that name. 'uninspected': a regular file the proxy did not
 * keep (too large, over the budget, not JSON).
 */
export type ArchiveFile =
  | { readonly kind: 'file'; readonly content: Buffer }
  | { readonly kind: 'uninspected'; readonly reason: string }
  | { readonly kind: 'link' | 'dir' | 'other' };

export interface ImageArchive {
  /** The entry at a path as the daemon joins it to its directory (cleaned); undefined when there is none. */
  file(path: string): ArchiveFile | undefined;
  /** The archive's top-level directories (the legacy load loads each as an image). */
  topLevelDirectories(): readonly string[];
}

const MANIFEST = 'manifest.json';
const REPOSITORIES = 'repositories';
const DIALECTS: readonly ReferenceDialect[] = ['v20.10', 'current'];

const refusal = (reason: string, field = 'body', value?: unknown): PolicyDenial => deny(OWNERSHIP_RULE, reason, field, value);

/**
 * Ownership mode: what a load may do. Every name it sets (manifest.json's
 * RepoTags; without a manifest.json, the legacy `repositories` file — the
 * daemon's own choice) is returned as an image the requester must own or that
 * does not exist yet, the rule of a `docker tag` target; an image whose labels
 * name another owner is refused. What cannot be read as the daemon reads it
 * is refused.
 */
export function imageLoadRequest(archive: ImageArchive, owner: string): { readonly names: readonly OwnedObject[] } | PolicyDenial {
  try {
    const manifest = archive.file(MANIFEST);
    return manifest === undefined ? legacyLoad(archive, owner) : manifestLoad(archive, manifest, owner);
  } catch (error) {
    if (error instanceof ArchiveJsonError) return refusal(`the image archive cannot be inspected: ${error.message}`);
    throw error;
  }
}

function manifestLoad(archive: ImageArchive, manifest: ArchiveFile, owner: string): { names: OwnedObject[] } | PolicyDenial {
  const content = readable(MANIFEST, manifest);
  if (!Buffer.isBuffer(content)) return content;
  // []manifestItem: structs; LayerSources is a map.
  const items = parseArchiveJson(MANIFEST, content, (path) => path.length === 2 && typeof path[1] === 'string' && path[1].toLowerCase() === 'layersources');
  if (!Array.isArray(items)) return refusal('the image archive\'s manifest.json is not a list', MANIFEST);
  const names: OwnedObject[] = [];
  for (const [index, item] of items.entries()) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return refusal('a manifest.json entry is not an object', `${MANIFEST}[${index}]`);
    const config = structField(item, 'Config');
    if (typeof config !== 'string') return refusal('a manifest.json entry names no config', `${MANIFEST}[${index}].Config`, config);
    const tags = structField(item, 'RepoTags') ?? [];
    if (!Array.isArray(tags)) return refusal('RepoTags is not a list', `${MANIFEST}[${index}].RepoTags`, tags);
    const denial = checkConfig(archive, config, owner, tags.length > 0);
    if (denial) return denial;
    for (const [position, tag] of tags.entries()) {
      const field = `${MANIFEST}[${index}].RepoTags[${position}]`;
      const name = typeof tag === 'string' ? taggedName(tag) : undefined;
      if (name === undefined) return refusal('not a name with a tag, as the daemon sets it', field, tag);
      names.push(named(name, field, owner));
    }
  }
  return { names };
}

/**
 * moby's legacyLoad: every top-level directory is an image (`<dir>/json`, and
 * its parents' first), then `repositories` ({name: {tag: id}}) names them.
 */
function legacyLoad(archive: ImageArchive, owner: string): { names: OwnedObject[] } | PolicyDenial {
  const seen = new Set<string>();
  for (const directory of archive.topLevelDirectories()) {
    for (let id: string | undefined = directory; id !== undefined && !seen.has(id); ) {
      seen.add(id);
      const path = `${id}/json`;
      const denial = checkConfig(archive, path, owner, false);
      if (denial) return denial;
      // checkConfig has read it.
      id = legacyParent(path, (archive.file(path) as { content: Buffer }).content);
    }
  }
  const file = archive.file(REPOSITORIES);
  // Without it the daemon fails after loading the images, which carry no name: nothing is named.
  if (file === undefined) return { names: [] };
  const content = readable(REPOSITORIES, file);
  if (!Buffer.isBuffer(content)) return content;
  const repositories = parseArchiveJson(REPOSITORIES, content, () => true);
  if (repositories === null || typeof repositories !== 'object' || Array.isArray(repositories)) return refusal('the repositories file is not a map', REPOSITORIES);
  const names: OwnedObject[] = [];
  for (const [repository, tags] of Object.entries(repositories)) {
    if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) return refusal('not a map of tags', `${REPOSITORIES}.${repository}`, tags);
    for (const [tag, id] of Object.entries(tags as Record<string, unknown>)) {
      const field = `${REPOSITORIES}.${repository}.${tag}`;
      if (typeof id !== 'string') return refusal('not an image ID', field, id);
      const denial = checkConfig(archive, `${id}/json`, owner, true);
      if (denial) return denial;
      // reference.WithTag(ParseNormalizedNamed(name), tag): the tag replaces any the name has.
      const name = taggedName(repository, tag);
      if (name === undefined) return refusal('not a name and tag the daemon accepts', field, `${repository}:${tag}`);
      names.push(named(name, field, owner));
    }
  }
  return { names };
}

/** The content of a file the daemon reads, or the denial when it cannot be inspected. */
function readable(path: string, file: ArchiveFile | undefined): Buffer | PolicyDenial {
  if (file === undefined) return refusal(`the image archive has no ${path}, which the load reads`, path);
  if (file.kind === 'file') return file.content;
  if (file.kind === 'uninspected') return refusal(`${path} in the image archive cannot be inspected (${file.reason})`, path);
  if (file.kind === 'link') return refusal(`${path} in the image archive is a link; links to what a load reads are not inspected`, path);
  return refusal(`${path} in the image archive is not a regular file`, path);
}

/**
 * An image may carry the owner label only with the loader's identity. One the
 * load names must carry it: unlabelled, it would be shared, and a client could
 * plant its content under a name other clients run (`python:3.12`). Shared
 * images come from pulls (or the operator, on the daemon's own socket).
 */
function checkConfig(archive: ImageArchive, path: string, owner: string, named: boolean): PolicyDenial | undefined {
  const content = readable(path, archive.file(path));
  if (!Buffer.isBuffer(content)) return content;
  const labels = imageConfigLabels(path, content);
  const field = `${path}.config.Labels.${OWNER_LABEL}`;
  if (!Object.prototype.hasOwnProperty.call(labels, OWNER_LABEL)) {
    return named ? refusal(`an image a load names must carry the label ${OWNER_LABEL} with the loading client's identity (one saved from this service by the same client); unlabelled, it would be shared with every client`, field) : undefined;
  }
  if (labels[OWNER_LABEL] === owner) return undefined;
  return refusal(`an image may carry the label ${OWNER_LABEL} only with the loading client's own identity`, field, labels[OWNER_LABEL]);
}

/**
 * The name the daemon sets, `domain/path:tag`, when every version of the
 * reference grammar reads it alike with a tag and no digest; else undefined.
 */
export function taggedName(reference: string, tag?: string): string | undefined {
  let result: string | undefined;
  for (const dialect of DIALECTS) {
    const parsed = parseNormalizedNamed(reference, dialect);
    if ('error' in parsed || parsed.digest !== undefined) return undefined;
    const effective = tag ?? parsed.tag;
    if (effective === undefined || !/^[\w][\w.-]{0,127}$/.test(effective)) return undefined;
    const name = `${parsed.domain}/${parsed.path}:${effective}`;
    if (result !== undefined && result !== name) return undefined;
    result = name;
  }
  return result;
}

const named = (ref: string, field: string, owner: string): OwnedObject => ({ kind: 'image', ref, field, owner, ifMissing: 'go-on', mustOwn: true });
