import { deny } from '../policy-denial';
import { BodyKindName } from '../routes/body-kind';
import { applyRules, FieldRule } from '../rules/field-rule';
import { checkBodyShape } from '../shapes/body-shape.validator';
import { ValidationInput, ValidationOutcome, Validator } from './validation-input';

export interface RuleSet {
  /** Dotted path of the object the rules apply to ('' for the body itself). */
  readonly at: string;
  readonly rules: readonly FieldRule[];
}

export interface BodyValidatorSpec {
  readonly kind: Exclude<BodyKindName, 'containerStart'>;
  readonly ruleSets: readonly RuleSet[];
  /** A request without a body is allowed (e.g. commit without a config). */
  readonly optional?: boolean;
  /** Removes what a known client echoes into the body and the daemon ignores, before the shape check. */
  readonly prepare?: (body: Record<string, unknown>, input: ValidationInput) => void;
  /** Makes a safe default explicit where the daemon's default for this API version is not. */
  readonly settle?: (body: Record<string, unknown>, input: ValidationInput) => void;
}

/**
 * Shape (canonical keys, known fields, types) → rules → canonical body.
 * The returned body is what the daemon gets; the client's bytes are discarded.
 */
export function bodyValidator(spec: BodyValidatorSpec): Validator {
  return (input: ValidationInput): ValidationOutcome => {
    // A literal null decodes like no body at all (docker CLI 20.10 commits send one).
    if (input.body === undefined || input.body === null) {
      return spec.optional ? {} : { denial: deny('body.missing', 'this endpoint needs a JSON body', '(body)') };
    }
    if (spec.prepare && typeof input.body === 'object' && !Array.isArray(input.body)) spec.prepare(input.body as Record<string, unknown>, input);
    const violation = checkBodyShape(spec.kind, input.body);
    if (violation) return { denial: deny('body.shape', violation.reason, violation.field, violation.value) };
    // Parsed by us, every key known and canonical: this object, re-serialised, is
    // exactly what was checked.
    const body = input.body as Record<string, unknown>;
    spec.settle?.(body, input);
    for (const { at, rules } of spec.ruleSets) {
      const target = at === '' ? body : body[at];
      const denial = applyRules(rules, target, input.context, at === '' ? '' : `${at}.`);
      if (denial) return { denial, body };
    }
    return { body };
  };
}
