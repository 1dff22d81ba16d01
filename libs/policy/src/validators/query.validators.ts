import { parseBuildArgs } from '../build/build-args';
import { isProtocolRefusal } from '../dry-run';
import { OWNERSHIP_RULE } from '../ownership/owner-label';
import { checkImageChanges } from '../build/image-changes';
import { deny, PolicyDenial } from '../policy-denial';
import type { DialTarget } from '../rules/dial-target';
import { forbiddenHostReason, registryHostOf, urlHostOf } from '../rules/remote-address';
import { validateBuildStep } from './build-step.validator';
import { ownedBuild } from '../ownership/owned-build';
import { forgedOwnerChange, ownerLabelledChanges } from '../ownership/owner-changes';
import { ValidationInput, ValidationOutcome } from './validation-input';

const first = (input: ValidationInput, key: string): string | undefined => input.query.get(key)?.[0];

/**
 * A host the daemon will dial: refused here when its spelling already names the
 * neighbourhood; otherwise handed on as a dial target, for the transport to
 * resolve (DNS is not pure) and check each address.
 */
function dialOutcome(host: string | undefined, field: string, value: string): ValidationOutcome {
  if (host === undefined) return {};
  const reason = forbiddenHostReason(host);
  if (reason) return { denial: deny('remote-address', reason, field, value) };
  const target: DialTarget = { field, value, host };
  return { dialTargets: [target] };
}

const registryOutcome = (reference: string | undefined, field: string): ValidationOutcome =>
  reference ? dialOutcome(registryHostOf(reference), field, reference) : {};

/** The builder version: classic, or BuildKit when the policy turns it on. */
function builderDenial(input: ValidationInput): PolicyDenial | undefined {
  const { options } = input.context;
  const version = first(input, 'version');
  const buildkit = version === '2';
  if (version && version !== '1' && !buildkit) return deny('buildkit', 'unknown builder version', 'query.version', version);
  if (buildkit && !options.buildkitSessions) {
    return deny('buildkit', 'BuildKit builds are not enabled by this policy (option buildkitSessions); use the classic builder (DOCKER_BUILDKIT=0)', 'query.version', version);
  }
  return undefined;
}

/**
 * Where the context comes from: the body (inspected as it streams), the
 * client's BuildKit session, or a URL the daemon fetches.
 */
function contextSourceOutcome(input: ValidationInput): ValidationOutcome {
  const remote = first(input, 'remote');
  if (!remote) {
    const read = parseBuildArgs(first(input, 'buildargs'));
    if ('denial' in read) return { denial: read.denial };
    return { buildContext: { dockerfile: first(input, 'dockerfile'), buildArgs: read.buildArgs } };
  }
  if (remote === 'client-session' && first(input, 'version') === '2') return {};
  if (!input.context.options.remoteBuildContexts) {
    return { denial: deny('remote-context', 'remote build contexts make the daemon fetch a URL; send the context in the request body', 'query.remote', remote) };
  }
  const host = urlHostOf(remote.replace(/^git@([^:]+):/, 'ssh://$1/'));
  if (host === undefined) return { denial: deny('remote-address', 'a remote context must be a URL', 'query.remote', remote) };
  return dialOutcome(host, 'query.remote', remote);
}

/** `/session` and `/grpc`: BuildKit, only when the policy turns it on. */
export const validateBuildkit = (input: ValidationInput): ValidationOutcome =>
  input.context.options.buildkitSessions
    ? {}
    : { denial: deny('buildkit', 'BuildKit sessions are not enabled by this policy (option buildkitSessions); use the classic builder (DOCKER_BUILDKIT=0)', `${input.route.method} ${input.route.template}`) };

/**
 * Classic builder: the query carries the host-facing settings of the step
 * containers (judged as their create would be), the builder version and where
 * the context comes from.
 */
export function validateBuild(input: ValidationInput): ValidationOutcome {
  const built = buildWithoutOwner(input);
  if (input.owner === undefined) return built;
  const owned = ownedBuild(input.query, input.owner);
  // A forged owner label outranks a rule's refusal: it holds in dry-run too.
  if ('rule' in owned) return { ...built, denial: owned };
  return {
    ...built,
    queryOverrides: owned.queryOverrides,
    ...(built.buildContext ? { buildContext: { ...built.buildContext, owner: input.owner } } : {}),
    ...(owned.ownedObjects.length > 0 ? { ownedObjects: [...(built.ownedObjects ?? []), ...owned.ownedObjects] } : {}),
  };
}

function buildWithoutOwner(input: ValidationInput): ValidationOutcome {
  const source = contextSourceOutcome(input);
  // An unreadable context is refused first: in dry-run a rule's refusal is
  // forwarded, and the context must then still be read as it streams.
  if (source.denial && isProtocolRefusal(source.denial)) return source;
  const reading = source.buildContext ? { buildContext: source.buildContext } : {};
  const steps = validateBuildStep(input);
  if (steps.denial) return { ...steps, ...reading };
  const denial = builderDenial(input);
  if (denial) return { denial, ...reading };
  if (source.denial) return source;
  return {
    ...source,
    ...(steps.containerReferences ? { containerReferences: steps.containerReferences } : {}),
    ...(steps.networkReferences ? { networkReferences: steps.networkReferences } : {}),
  };
}

/** Pull (fromImage) dials a registry; import (fromSrc) reads the body or fetches a URL. */
export function validateImageCreate(input: ValidationInput): ValidationOutcome {
  // `changes` apply to an import only; a pull ignores them, but they are judged alike.
  const changes = checkImageChanges(input.query.get('changes')) ?? (input.owner === undefined ? undefined : forgedOwnerChange(input.query.get('changes')));
  if (changes) return { denial: changes };
  const fromSrc = first(input, 'fromSrc');
  const imported = importOutcome(input, fromSrc);
  if (input.owner === undefined || fromSrc === undefined || imported.denial) return imported;
  // An import makes an image like a commit does: it is the requester's.
  const owned = ownerLabelledChanges(input.query.get('changes'), input.owner);
  if (owned === undefined) return { ...imported, denial: deny(OWNERSHIP_RULE, 'this identity cannot be written as an image label', 'query.changes', input.owner) };
  return { ...imported, queryOverrides: { changes: owned } };
}

function importOutcome(input: ValidationInput, fromSrc: string | undefined): ValidationOutcome {
  if (fromSrc !== undefined && fromSrc !== '-') {
    const host = urlHostOf(fromSrc);
    if (host === undefined) return { denial: deny('remote-address', 'fromSrc must be "-" (the request body) or an http(s) URL', 'query.fromSrc', fromSrc) };
    const imported = dialOutcome(host, 'query.fromSrc', fromSrc);
    // fromImage only names the import here: its spelling is checked, but the
    // daemon dials no registry for it, so it is no dial target.
    const named = registryOutcome(first(input, 'fromImage'), 'query.fromImage');
    return imported.denial || !named.denial ? imported : { denial: named.denial };
  }
  return registryOutcome(first(input, 'fromImage'), 'query.fromImage');
}

export const validateImagePush = (input: ValidationInput): ValidationOutcome => registryOutcome(input.params.name, 'path.name');
export const validateDistribution = (input: ValidationInput): ValidationOutcome => registryOutcome(input.params.name, 'path.name');
export const validateImageSearch = (input: ValidationInput): ValidationOutcome => registryOutcome(first(input, 'term'), 'query.term');
