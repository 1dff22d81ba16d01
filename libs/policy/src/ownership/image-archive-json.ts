import { goFoldKey, JsonPath, parseStrictJson, StrictJsonError } from '../json/strict-json.parser';

/**
 * The JSON files of an image archive read as the daemon's load reads them
 * (Go's encoding/json: struct fields matched case-insensitively, map keys
 * exactly). A document with two readings is refused by the strict parser; so
 * is anything the daemon could not decode either.
 */

export class ArchiveJsonError extends Error {}

/**
 * Parses `content`; objects at the paths `isMap` names are Go maps, the rest
 * structs. An error names `file`.
 */
export function parseArchiveJson(file: string, content: Buffer, isMap: (path: JsonPath) => boolean): unknown {
  try {
    return parseStrictJson(content, { isMap });
  } catch (error) {
    if (error instanceof StrictJsonError) throw new ArchiveJsonError(`${file} cannot be read unambiguously (${error.message})`);
    throw error;
  }
}

/** The value of a struct field as Go finds it: the one key that folds to the field's name. */
export function structField(object: unknown, field: string): unknown {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return undefined;
  const folded = goFoldKey(field);
  // The strict parser refused keys that fold alike: at most one matches.
  const key = Object.keys(object).find((candidate) => goFoldKey(candidate) === folded);
  return key === undefined ? undefined : (object as Record<string, unknown>)[key];
}

/**
 * The `config.Labels` of an image config (or of a legacy v1 image JSON, which
 * the daemon converts keeping its `config`): the labels the image is inspected
 * with. Throws when the daemon could not decode them.
 */
export function imageConfigLabels(file: string, content: Buffer): Readonly<Record<string, string>> {
  // Below the top level's fields, objects are taken as maps (exact repeats
  // refused): of them only config (a struct, one level down) matters here, and
  // its Labels, a map.
  const document = parseArchiveJson(file, content, (path) => path.length >= 2);
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw new ArchiveJsonError(`${file} is not an image configuration`);
  const config = structField(document, 'config');
  if (config === undefined || config === null) return {};
  if (typeof config !== 'object' || Array.isArray(config)) throw new ArchiveJsonError(`${file}: config is not an object`);
  const labels = structField(config, 'Labels');
  if (labels === undefined || labels === null) return {};
  if (typeof labels !== 'object' || Array.isArray(labels) || Object.values(labels).some((value) => typeof value !== 'string')) {
    throw new ArchiveJsonError(`${file}: config.Labels is not a map of strings`);
  }
  return labels as Record<string, string>;
}

/** A legacy v1 image JSON's parent, whose `<parent>/json` the daemon loads first. */
export function legacyParent(file: string, content: Buffer): string | undefined {
  const parent = structField(parseArchiveJson(file, content, (path) => path.length >= 2), 'parent');
  if (parent === undefined || parent === null || parent === '') return undefined;
  if (typeof parent !== 'string') throw new ArchiveJsonError(`${file}: parent is not a string`);
  return parent;
}
