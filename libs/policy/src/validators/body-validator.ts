import { deny, PolicyDenial } from '../policy-denial';
import { DtoBodyKind } from '../routes/body-kind';
import type { ContainerReference } from '../rules/container-reference';
import type { NetworkReference } from '../rules/network-reference';
import type { VolumeReference } from '../rules/volume-reference';
import { applyRules, FieldRule } from '../rules/field-rule';
import type { OwnedObject } from '../ownership/owned-object';
import { dropUnmappedKeys } from '../dto/unmapped-keys';
import { BODY_DTOS, toCanonicalPlain, validateDto } from '../dto/validate-dto';
import { DtoClass, shapeOf } from '../dto/docker-validation.decorators';
import { ValidationInput, ValidationOutcome, Validator } from './validation-input';

export interface RuleSet {
  /** Dotted path of the object the rules apply to ('' for the body itself). */
  readonly at: string;
  readonly rules: readonly FieldRule[];
}

export interface BodyValidatorSpec {
  readonly kind: DtoBodyKind;
  readonly ruleSets: readonly RuleSet[];
  /** A request without a body is allowed (e.g. commit without a config). */
  readonly optional?: boolean;
  /** Removes what a known client echoes into the body and the daemon ignores, before the shape check. */
  readonly prepare?: (body: Record<string, unknown>, input: ValidationInput) => void;
  /** Makes a safe default explicit where the daemon's default for this API version is not. */
  readonly settle?: (body: Record<string, unknown>, input: ValidationInput) => void;
  /** Other containers an accepted body borrows from (volumes, namespaces, exec target). */
  readonly references?: (body: Record<string, unknown>, input: ValidationInput) => ContainerReference[];
  /** Named volumes an accepted body mounts. */
  readonly volumes?: (body: Record<string, unknown>) => VolumeReference[];
  /** Networks an accepted body attaches to. */
  readonly networks?: (body: Record<string, unknown>, input: ValidationInput) => NetworkReference[];
  /** The body creates objects: ownership mode labels them with the owner (refusing a client's own owner label). */
  readonly labelOwned?: (body: Record<string, unknown>, owner: string) => PolicyDenial | undefined;
  /** Ownership mode: other objects the body names, which the requester must own (or share). */
  readonly owned?: (body: Record<string, unknown>, owner: string) => OwnedObject[];
}

/**
 * DTO (canonical keys, known fields, types, via class-validator) → rules →
 * canonical body. The returned body is the validated DTO turned back into plain
 * JSON: what the daemon gets; the client's bytes are discarded.
 */
export function bodyValidator(spec: BodyValidatorSpec): Validator {
  assertRuleFieldsExist(spec);
  return (input: ValidationInput): ValidationOutcome => {
    // A literal null decodes like no body at all (docker CLI 20.10 commits send one).
    if (input.body === undefined || input.body === null) {
      return spec.optional ? {} : { denial: deny('body.missing', 'this endpoint needs a JSON body', '(body)') };
    }
    if (spec.prepare && typeof input.body === 'object' && !Array.isArray(input.body)) spec.prepare(input.body as Record<string, unknown>, input);
    const dto: new () => object = BODY_DTOS[spec.kind];
    // Keys the daemon's decoder would ignore are dropped (and reported), not judged.
    const { body: pruned, dropped } = dropUnmappedKeys(dto, input.body);
    const droppedFields = dropped.length > 0 ? dropped : undefined;
    const read = validateDto(dto, pruned);
    if (!read.ok) {
      const [first] = read.violations;
      return { denial: deny('body.shape', first.reason, first.field, first.value) };
    }
    // validateDto has proven the instance carries exactly the keys and values
    // sent; rules read, and the daemon gets, its plain canonical form.
    const body = toCanonicalPlain(read.value);
    spec.settle?.(body, input);
    // First, so that what dry-run forwards is labelled too.
    if (input.owner !== undefined && spec.labelOwned) {
      const forged = spec.labelOwned(body, input.owner);
      if (forged) return { denial: forged, body, droppedFields };
    }
    const outcome: { -readonly [K in keyof ValidationOutcome]: ValidationOutcome[K] } = { body };
    for (const { at, rules } of spec.ruleSets) {
      const target = at === '' ? body : body[at];
      const denial = applyRules(rules, target, input.context, at === '' ? '' : `${at}.`);
      if (!denial) continue;
      // The references still go with a rule's refusal: dry-run forwards the
      // body, and what it borrows or names must still be checked on the daemon.
      outcome.denial = denial;
      break;
    }
    const containerReferences = spec.references?.(body, input);
    if (containerReferences?.length) outcome.containerReferences = containerReferences;
    const volumeReferences = spec.volumes?.(body);
    if (volumeReferences?.length) outcome.volumeReferences = volumeReferences;
    const networkReferences = spec.networks?.(body, input);
    if (networkReferences?.length) outcome.networkReferences = networkReferences;
    const ownedObjects = input.owner === undefined ? undefined : spec.owned?.(body, input.owner);
    if (ownedObjects?.length) outcome.ownedObjects = ownedObjects;
    if (droppedFields) outcome.droppedFields = droppedFields;
    return outcome;
  };
}

/**
 * Every field a rule reads must be a field of the body's DTO: a misspelt field
 * would read undefined, and the rule would pass everything. Checked once, when
 * the validator is built (at start-up and in every test run).
 */
function assertRuleFieldsExist(spec: BodyValidatorSpec): void {
  for (const { at, rules } of spec.ruleSets) {
    for (const { rule, field } of rules) {
      const path = [...(at === '' ? [] : at.split('.')), ...field.split('.')];
      let cls: DtoClass | undefined = BODY_DTOS[spec.kind];
      for (const [depth, key] of path.entries()) {
        const shape: ReturnType<typeof shapeOf> = cls && shapeOf(cls, key);
        if (!shape) throw new Error(`rule ${rule} reads ${path.join('.')}, which the ${spec.kind} body does not have (${path.slice(0, depth + 1).join('.')})`);
        cls = shape.nested;
      }
    }
  }
}
