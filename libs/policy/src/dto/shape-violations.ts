import { ValidationError, ValidatorOptions, getMetadataStorage } from 'class-validator';
import { goFoldKey } from '../json/strict-json.parser';
import type { ShapeViolation } from './validate-dto';

/** The options every DTO is validated with, at the top and inside maps of objects. */
export const SHAPE_VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: true, value: true },
};

export const UNKNOWN_FIELD = 'unknown field (not in the Docker API 1.24–1.52 spec for this request)';

/** A violation found below a checked value; `at` is relative to it: '' (the value), '[2]', '.key', '["a.b"]'. */
export interface ShapeFinding {
  readonly at: string;
  readonly value: unknown;
  readonly reason: string;
}

// class-validator reports one message per failed constraint; the precise
// findings (which element, which map key) are kept here, keyed by the object
// and property that failed, and read back when errors are flattened.
const findings = new WeakMap<object, Map<string, readonly ShapeFinding[]>>();

export function rememberFindings(target: object, property: string, found: readonly ShapeFinding[]): void {
  let byProperty = findings.get(target);
  if (!byProperty) findings.set(target, (byProperty = new Map()));
  if (found.length === 0) byProperty.delete(property);
  else byProperty.set(property, found);
}

const SIMPLE_KEY = /^[A-Za-z0-9_-]+$/;

/** `.Key` for a plain name, `["a.b/c"]` for a key that would make a dotted path ambiguous. */
export function keySegment(key: string): string {
  return SIMPLE_KEY.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** Appends a relative path ('.x', '[0]', 'x.y') to a base path ('' for the body itself). */
export function joinPath(base: string, relative: string): string {
  if (relative === '') return base;
  if (base === '') return relative.startsWith('.') ? relative.slice(1) : relative;
  return relative.startsWith('.') || relative.startsWith('[') ? `${base}${relative}` : `${base}.${relative}`;
}

/** The property names a DTO class declares (its own and inherited), in declaration order. */
export function dtoFieldNames(cls: Function): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))];
}

/**
 * Why an unknown key is refused. Docker's decoder matches keys to fields
 * case-insensitively with Unicode folding ('privileged', 'ſecurityOpt' and
 * 'Kernelmemory' with a Kelvin sign all reach a field); the rules only ever look
 * at the canonical spelling, so any other spelling would be a way around them.
 */
function unknownFieldReason(target: unknown, key: string): string {
  const cls = typeof target === 'object' && target !== null ? target.constructor : undefined;
  const folded = goFoldKey(key);
  const canonical = cls ? dtoFieldNames(cls).find((name) => goFoldKey(name) === folded) : undefined;
  return canonical ? `${UNKNOWN_FIELD}; Docker would read it as "${canonical}", which must be spelled exactly so` : UNKNOWN_FIELD;
}

/** Flattens class-validator's error tree into one violation per offending value, with dotted paths. */
export function violationsOf(errors: readonly ValidationError[], base = '', inList = false): ShapeViolation[] {
  const out: ShapeViolation[] = [];
  for (const error of errors) {
    const property = error.property ?? '';
    const path = inList ? `${base}[${property}]` : joinPath(base, property === '' ? '' : keySegment(property));
    const constraints = error.constraints ?? {};
    const field = path === '' ? '(body)' : path;
    if ('whitelistValidation' in constraints) {
      out.push({ field, value: error.value, reason: unknownFieldReason(error.target, property) });
      continue;
    }
    if ('dockerShape' in constraints) {
      const found = (error.target && findings.get(error.target)?.get(property)) || [];
      if (found.length === 0) out.push({ field, value: error.value, reason: constraints.dockerShape });
      for (const finding of found) out.push({ field: joinPath(path, finding.at) || '(body)', value: finding.value, reason: finding.reason });
      // The value is not of the declared type; what class-validator found inside it adds nothing.
      continue;
    }
    if ('nestedValidation' in constraints || 'unknownValue' in constraints) {
      out.push({ field, value: error.value, reason: 'must be an object' });
      continue;
    }
    for (const [name, message] of Object.entries(constraints)) out.push({ field, value: error.value, reason: message || name });
    out.push(...violationsOf(error.children ?? [], path, Array.isArray(error.value)));
  }
  return out;
}
