import { buildStepHostConfig, BUILD_STEP_PARAMETERS } from '../build/build-step-parameters';
import { deny, PolicyDenial } from '../policy-denial';
import { containerReferencesOfCreate } from '../rules/container-reference';
import { networkReferencesOfCreate } from '../rules/network-reference';
import { applyRules } from '../rules/field-rule';
import { HOST_CONFIG_RULES } from '../rules/host-config.rules';
import { ValidationInput, ValidationOutcome } from './validation-input';

/** `Ulimits[0]` → `query.ulimits[0]`: a finding is reported under the parameter the client set. */
function queryField(field: string | undefined): string | undefined {
  if (field === undefined) return undefined;
  const name = /^[A-Za-z]+/.exec(field)?.[0];
  const row = BUILD_STEP_PARAMETERS.find((candidate) => candidate.field === name);
  return row ? `query.${row.parameter}${field.slice(name!.length)}` : `(step HostConfig) ${field}`;
}

const reported = (denial: PolicyDenial): PolicyDenial => ({ ...denial, field: queryField(denial.field) });

/**
 * The containers a classic build runs its RUN steps in are containers like any
 * other: the HostConfig the daemon makes for them from the query is judged by
 * the create rules themselves (the table, by reference, so a create rule added
 * or tightened applies here too), and a `container:<ref>` network mode is
 * handed to the transport as the same borrowed-container reference a create's
 * would be, and a user-defined network one as the same network reference
 * (what it resolves to on the daemon, and in ownership mode whose it is).
 */
export function validateBuildStep(input: ValidationInput): ValidationOutcome {
  const derived = buildStepHostConfig(input.query);
  if (!('hostConfig' in derived)) {
    return { denial: deny('query.value', derived.reason, `query.${derived.parameter}`, derived.value) };
  }
  const denial = applyRules(HOST_CONFIG_RULES, derived.hostConfig, input.context);
  if (denial) return { denial: reported(denial) };
  const underQuery = <T extends { field: string }>(reference: T): T => ({ ...reference, field: queryField(reference.field.replace(/^HostConfig\./, ''))! });
  const containerReferences = containerReferencesOfCreate({ HostConfig: derived.hostConfig }).map(underQuery);
  const networkReferences = networkReferencesOfCreate({ HostConfig: derived.hostConfig }).map(underQuery);
  return {
    ...(containerReferences.length ? { containerReferences } : {}),
    ...(networkReferences.length ? { networkReferences } : {}),
  };
}
