import { PolicyOptions } from './options/policy-options';
import { PolicyDenial } from './policy-denial';
import { OWNERSHIP_RULE } from './ownership/owner-label';

// Refusals about the request's form rather than its content (ambiguous or
// unreadable requests, a build context that could not be read): the daemon
// would read something nobody checked, so they stay refused in dry-run mode.
const PROTOCOL_RULES = /^(request|route|api-version|query|body|policy)\.|^build\.context$/;

/**
 * The one dry-run rule, for every stage that refuses: the policy's validators,
 * the daemon-side checks and the build context's Dockerfile check. In dry-run
 * mode a rule's refusal is forwarded and recorded as would-deny; a protocol
 * refusal never is.
 */
export function forwardsInDryRun(options: Pick<PolicyOptions, 'dryRun'>, denial: PolicyDenial): boolean {
  // Ownership keeps clients apart: forwarded, its refusals would let one client
  // act on another's objects or claim them. It is not a rule set to try out.
  return options.dryRun && !isProtocolRefusal(denial) && denial.rule !== OWNERSHIP_RULE;
}

/** A refusal about the request's form, never forwarded. */
export function isProtocolRefusal(denial: PolicyDenial): boolean {
  return PROTOCOL_RULES.test(denial.rule);
}
