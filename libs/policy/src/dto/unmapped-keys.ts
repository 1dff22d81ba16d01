import { DtoClass } from './docker-validation.decorators';
import { fieldFor, Node, propertyNode } from './map-paths';
import { joinPath, keySegment } from './shape-violations';

export interface Pruned {
  /** A copy of the body without the keys Go would map to no field. */
  readonly body: unknown;
  /** Where each dropped key was, as a dotted path ('hijack', 'HostConfig.x'). */
  readonly dropped: readonly string[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
// Refused later, never dropped quietly: a careless consumer would reach a prototype with them.
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Go's decoder ignores an object key that matches no field of its struct, by
 * exact name or folded. Client libraries rely on that: dockerode sends its own
 * options (`hijack`, `stdin`) in the exec-start body. Such a key is dropped here
 * — never forwarded, and reported so the audit record can say so — exactly as
 * unknown query parameters are. A key that folds onto a field is kept, so the
 * DTO still refuses a non-canonical spelling, and map keys are data, never
 * dropped. Only structs with a DTO class are pruned; anything else is left for
 * the shape check to judge.
 */
export function dropUnmappedKeys(root: DtoClass, body: unknown): Pruned {
  const dropped: string[] = [];
  const pruned = prune({ kind: 'struct', cls: root }, body, '', dropped);
  return { body: pruned, dropped };
}

function prune(node: Node, value: unknown, path: string, dropped: string[]): unknown {
  if (node.kind === 'list') return Array.isArray(value) ? value.map((element, index) => prune(node.element, element, `${path}[${index}]`, dropped)) : value;
  if (!isObject(value) || node.kind === 'leaf' || (node.kind === 'struct' && !node.cls)) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const at = joinPath(path, keySegment(key));
    let member = value[key];
    if (node.kind === 'map') {
      member = prune(node.value, member, at, dropped);
    } else if (!PROTOTYPE_KEYS.has(key)) {
      const field = fieldFor(node.cls!, key);
      if (field === undefined) {
        dropped.push(at);
        continue;
      }
      member = prune(propertyNode(node.cls!, field), member, at, dropped);
    }
    // defineProperty: a key named like an Object.prototype member stays an own key.
    Object.defineProperty(copy, key, { value: member, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}
