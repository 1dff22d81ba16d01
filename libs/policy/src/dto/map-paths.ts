import type { JsonPath } from '../json/strict-json.parser';
import { goFoldKey } from '../json/go-fold-key';
import { DtoClass, shapeOf } from './docker-validation.decorators';
import { dtoFieldNames } from './shape-violations';
import { BODY_DTOS } from './validate-dto';

/** What a JSON value decodes into, as far as keys are concerned (also read by unmapped-keys.ts). */
export type Node =
  | { readonly kind: 'struct'; readonly cls?: DtoClass }
  | { readonly kind: 'map'; readonly value: Node }
  | { readonly kind: 'list'; readonly element: Node }
  | { readonly kind: 'leaf' };

const LEAF: Node = { kind: 'leaf' };
// ExposedPorts/Volumes values and BlockVolume are Go's struct{}: a struct with no fields.
const EMPTY_STRUCT: Node = { kind: 'struct' };

export function propertyNode(cls: DtoClass, property: string): Node {
  const shape = shapeOf(cls, property);
  const struct = (): Node => ({ kind: 'struct', cls: shape?.nested });
  switch (shape?.kind) {
    case 'object':
      return struct();
    case 'object[]':
      return { kind: 'list', element: struct() };
    case 'map<string>':
      return { kind: 'map', value: LEAF };
    case 'map<{}>':
      return { kind: 'map', value: EMPTY_STRUCT };
    case 'map<object>':
      return { kind: 'map', value: struct() };
    case 'map<object[]>':
      return { kind: 'map', value: { kind: 'list', element: struct() } };
    case '{}':
      return EMPTY_STRUCT;
    default:
      return LEAF;
  }
}

// Field names by folded spelling, per DTO class: the field Go's decoder picks for a key.
const fieldsByFold = new Map<Function, Map<string, string>>();

export function fieldFor(cls: DtoClass, key: string): string | undefined {
  let fields = fieldsByFold.get(cls);
  if (!fields) {
    fields = new Map(dtoFieldNames(cls).map((name) => [goFoldKey(name), name]));
    fieldsByFold.set(cls, fields);
  }
  return fields.get(goFoldKey(key));
}

function nodeAt(root: DtoClass, path: JsonPath): Node | undefined {
  let node: Node = { kind: 'struct', cls: root };
  for (const segment of path) {
    if (node.kind === 'struct' && typeof segment === 'string' && node.cls) {
      const field = fieldFor(node.cls, segment);
      if (field === undefined) return undefined;
      node = propertyNode(node.cls, field);
    } else if (node.kind === 'map' && typeof segment === 'string') {
      node = node.value;
    } else if (node.kind === 'list' && typeof segment === 'number') {
      node = node.element;
    } else {
      return undefined;
    }
  }
  return node;
}

/**
 * For the strict JSON parser: whether the object at a path of a `root` body is
 * a Go map (keys compared exactly) rather than a struct (keys folded). A path
 * the DTO does not describe is not a map, so folded duplicates stay refused
 * there; the DTO then refuses the unknown field anyway.
 */
export function mapPathsOf(root: DtoClass): (path: JsonPath) => boolean {
  return (path) => nodeAt(root, path)?.kind === 'map';
}

const NO_MAPS = (): boolean => false;
const byValidator = new Map<string, (path: JsonPath) => boolean>();

/** The map predicate of a route's JSON body; a route without a body DTO has no maps. */
export function bodyMapPaths(validator: string | undefined): (path: JsonPath) => boolean {
  if (validator === undefined || !Object.prototype.hasOwnProperty.call(BODY_DTOS, validator)) return NO_MAPS;
  let predicate = byValidator.get(validator);
  if (!predicate) byValidator.set(validator, (predicate = mapPathsOf(BODY_DTOS[validator as keyof typeof BODY_DTOS])));
  return predicate;
}
