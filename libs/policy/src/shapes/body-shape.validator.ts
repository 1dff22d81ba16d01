import generated from './body-shapes.json';
import { BodyKindName } from '../routes/body-kind';

/** A JSON type as the spec declares it: scalars, arrays, objects with known fields and/or map entries. */
export type BodyShape =
  | { readonly t: 'string' | 'integer' | 'number' | 'boolean' | 'any' }
  | { readonly t: 'array'; readonly items: BodyShape }
  | { readonly t: 'object'; readonly props: Readonly<Record<string, BodyShape>>; readonly map?: BodyShape };

export interface ShapeViolation {
  readonly field: string;
  readonly value: unknown;
  readonly reason: string;
}

const SHAPES = generated.shapes as unknown as Readonly<Record<Exclude<BodyKindName, 'containerStart'>, BodyShape>>;

// Go's strslice.StrSlice decodes a JSON string as a one-element list; clients
// (dockerode, docker-py) send Cmd and Entrypoint both ways.
const STRING_OR_LIST = new Set(['Cmd', 'Entrypoint', 'Shell']);

/**
 * Checks a parsed body against the union of the audited specs' shape for it.
 * A key that is not the canonical spelling of a field of the spec is an unknown
 * field, and refused. `null` is accepted everywhere: Go decodes it into a fresh
 * struct as the zero value, the same as an absent field.
 */
export function checkBodyShape(kind: Exclude<BodyKindName, 'containerStart'>, body: unknown): ShapeViolation | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { field: '(body)', value: body, reason: 'the body must be a JSON object' };
  }
  return walk(SHAPES[kind], body, '', '');
}

function walk(shape: BodyShape, value: unknown, path: string, key: string): ShapeViolation | undefined {
  if (value === null) return undefined;
  const at = path === '' ? '(body)' : path;
  switch (shape.t) {
    case 'any':
      return undefined;
    case 'string':
      return typeof value === 'string' ? undefined : { field: at, value, reason: 'must be a string' };
    case 'boolean':
      return typeof value === 'boolean' ? undefined : { field: at, value, reason: 'must be a boolean' };
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : { field: at, value, reason: 'must be an integer (within ±2^53)' };
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : { field: at, value, reason: 'must be a number' };
    case 'array':
      if (typeof value === 'string' && STRING_OR_LIST.has(key)) return undefined;
      if (!Array.isArray(value)) return { field: at, value, reason: 'must be a list' };
      for (let i = 0; i < value.length; i++) {
        const violation = walk(shape.items, value[i], `${path}[${i}]`, key);
        if (violation) return violation;
      }
      return undefined;
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return { field: at, value, reason: 'must be an object' };
      for (const [name, member] of Object.entries(value as Record<string, unknown>)) {
        const memberPath = path === '' ? name : `${path}.${name}`;
        const memberShape = Object.prototype.hasOwnProperty.call(shape.props, name) ? shape.props[name] : shape.map;
        if (!memberShape) {
          return { field: memberPath, value: member, reason: 'unknown field (not in the Docker API 1.24–1.52 spec for this request, or not its canonical spelling)' };
        }
        const violation = walk(memberShape, member, memberPath, name);
        if (violation) return violation;
      }
      return undefined;
    }
  }
}
