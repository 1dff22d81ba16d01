import { BODY_DTOS, toCanonicalPlain, validateDto } from '../dto';
import { deny } from '../policy-denial';
import { BodyKindName } from '../routes/body-kind';
import { applyRules, FieldRule, RuleContext } from '../rules/field-rule';
import { ValidationInput, ValidationOutcome, Validator } from './validation-input';

export interface RuleSet {
  /** Dotted path of the object the rules apply to ('' for the body itself). */
  readonly at: string;
  readonly rules: readonly FieldRule[];
}

export interface BodyValidatorSpec {
  readonly kind: BodyKindName;
  readonly ruleSets: readonly RuleSet[];
  /** A request without a body is allowed (e.g. commit without a config). */
  readonly optional?: boolean;
  /** Makes a safe default explicit where the daemon's default for this API version is not. */
  readonly settle?: (body: Record<string, unknown>, input: ValidationInput) => void;
}

/**
 * Shape (DTO: canonical keys, known fields, types) → rules → canonical body.
 * The returned body is what the daemon gets; the client's bytes are discarded.
 */
export function bodyValidator(spec: BodyValidatorSpec): Validator {
  return (input: ValidationInput): ValidationOutcome => {
    if (input.body === undefined) {
      return spec.optional ? {} : deny('body.missing', 'this endpoint needs a JSON body', '(body)');
    }
    const shape = validateDto(BODY_DTOS[spec.kind] as new () => object, input.body);
    if (!shape.ok) {
      const [first] = shape.violations;
      return deny('body.shape', first.reason, first.field, first.value);
    }
    const body = toCanonicalPlain(shape.value);
    const context: RuleContext = { apiMinor: input.apiMinor };
    for (const { at, rules } of spec.ruleSets) {
      const target = at === '' ? body : body[at];
      const denial = applyRules(rules, target, context, at === '' ? '' : `${at}.`);
      if (denial) return denial;
    }
    spec.settle?.(body, input);
    return { body };
  };
}
