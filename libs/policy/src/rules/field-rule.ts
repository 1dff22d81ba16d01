import { PolicyOptions } from '../options/policy-options';
import { PolicyDenial, deny } from '../policy-denial';

/** A finer pointer than the rule's field: an element of a list or a key of a map. */
export interface Finding {
  readonly reason: string;
  readonly field?: string;
  readonly value?: unknown;
}

export interface RuleContext {
  readonly apiMinor: number;
  readonly options: PolicyOptions;
  /** The host path a bind would really mount (symlinks resolved), or undefined if it does not exist. */
  readonly resolveHostPath: (path: string) => string | undefined;
  /** IDs of the daemon's host-driver networks: the daemon also accepts a network by ID or ID prefix. */
  readonly hostNetworkIds: () => readonly string[];
  /** Whether a host directory has other mounts beneath it (true when that cannot be read); absent: none. */
  readonly hasMountsBelow?: (path: string) => boolean;
}

/**
 * One row of a policy table: the value at `field` (a dotted path into the
 * canonical body) either passes or yields why it is refused.
 */
export interface FieldRule {
  readonly rule: string;
  readonly field: string;
  /** `target` is the object the rule's field is read from, for rules that weigh a sibling. */
  readonly check: (value: unknown, context: RuleContext, target: unknown) => string | Finding | undefined;
}

export function valueAt(body: unknown, field: string): unknown {
  let current: unknown = body;
  for (const key of field.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = Object.prototype.hasOwnProperty.call(current, key) ? (current as Record<string, unknown>)[key] : undefined;
  }
  return current;
}

/** Applies rules in order; the first refusal wins (one clear thing to change). */
export function applyRules(
  rules: readonly FieldRule[],
  body: unknown,
  context: RuleContext,
  fieldPrefix = '',
): PolicyDenial | undefined {
  for (const { rule, field, check } of rules) {
    const value = valueAt(body, field);
    const verdict = check(value, context, body);
    if (verdict === undefined) continue;
    const finding: Finding = typeof verdict === 'string' ? { reason: verdict } : verdict;
    const path = `${fieldPrefix}${finding.field ?? field}`;
    return deny(rule, finding.reason, path, 'value' in finding ? finding.value : value);
  }
  return undefined;
}

// Helpers for the common shapes of "must be empty" in Docker bodies: the Go
// decoder treats null and absent alike, and clients send both.
export const isAbsent = (value: unknown): boolean => value === undefined || value === null;
export const isEmptyList = (value: unknown): boolean => isAbsent(value) || (Array.isArray(value) && value.length === 0);
export const isEmptyMap = (value: unknown): boolean =>
  isAbsent(value) || (typeof value === 'object' && value !== null && Object.keys(value).length === 0);
export const isEmptyString = (value: unknown): boolean => isAbsent(value) || value === '';

export const mustBeEmptyList = (reason: string) => (value: unknown) => (isEmptyList(value) ? undefined : reason);
export const mustBeEmptyMap = (reason: string) => (value: unknown) => (isEmptyMap(value) ? undefined : reason);
export const mustBeEmptyString = (reason: string) => (value: unknown) => (isEmptyString(value) ? undefined : reason);
export const mustBeAbsent = (reason: string) => (value: unknown) => (isAbsent(value) ? undefined : reason);
export const mustNotBeTrue = (reason: string) => (value: unknown) => (value === true ? reason : undefined);
export const mustBeOneOf =
  (allowed: readonly string[], reason: string) =>
  (value: unknown): string | undefined =>
    isAbsent(value) || allowed.includes(value as string) ? undefined : reason;

export function eachEntry(
  value: unknown,
  check: (entry: unknown, index: number) => Finding | undefined,
): Finding | undefined {
  if (!Array.isArray(value)) return undefined;
  for (let index = 0; index < value.length; index++) {
    const finding = check(value[index], index);
    if (finding) return finding;
  }
  return undefined;
}
