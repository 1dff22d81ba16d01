import { deny, PolicyDenial } from '../policy-denial';
import { isHostMode } from '../rules/namespace-mode';
import { forbiddenHostReason, registryHostOf, urlHostOf } from '../rules/remote-address';
import { ValidationInput, ValidationOutcome } from './validation-input';

const first = (input: ValidationInput, key: string): string | undefined => input.query.get(key)?.[0];

function registryDenial(reference: string | undefined, field: string): PolicyDenial | undefined {
  if (!reference) return undefined;
  const host = registryHostOf(reference);
  const reason = host === undefined ? undefined : forbiddenHostReason(host);
  return reason ? deny('remote-address', reason, field, reference) : undefined;
}

/** Legacy builder: the query carries the build's host-facing settings. */
export function validateBuild(input: ValidationInput): ValidationOutcome {
  const networkMode = first(input, 'networkmode');
  if (isHostMode(networkMode)) {
    return deny('host-namespace', 'building with the host network is not allowed', 'query.networkmode', networkMode);
  }
  const cgroupParent = first(input, 'cgroupparent');
  if (cgroupParent) return deny('cgroup', 'choosing the cgroup parent is not allowed', 'query.cgroupparent', cgroupParent);
  const isolation = first(input, 'isolation');
  if (isolation && isolation !== 'default') return deny('isolation', 'only the default isolation is allowed', 'query.isolation', isolation);
  const securityOpt = first(input, 'securityopt');
  if (securityOpt && securityOpt !== '[]' && securityOpt !== 'null') {
    return deny('confinement', 'build security options are not allowed', 'query.securityopt', securityOpt);
  }
  const remote = first(input, 'remote');
  if (remote) {
    return deny('remote-context', 'remote build contexts make the daemon fetch a URL; send the context in the request body', 'query.remote', remote);
  }
  const version = first(input, 'version');
  if (version && version !== '1') {
    return deny('buildkit', 'BuildKit is not enabled on this endpoint; use the classic builder (DOCKER_BUILDKIT=0)', 'query.version', version);
  }
  return {};
}

/** Pull (fromImage) dials a registry; import (fromSrc) reads the body or fetches a URL. */
export function validateImageCreate(input: ValidationInput): ValidationOutcome {
  const fromSrc = first(input, 'fromSrc');
  if (fromSrc !== undefined && fromSrc !== '-') {
    const host = urlHostOf(fromSrc);
    if (host === undefined) return deny('remote-address', 'fromSrc must be "-" (the request body) or an http(s) URL', 'query.fromSrc', fromSrc);
    const reason = forbiddenHostReason(host);
    if (reason) return deny('remote-address', reason, 'query.fromSrc', fromSrc);
  }
  return registryDenial(first(input, 'fromImage'), 'query.fromImage') ?? {};
}

export const validateImagePush = (input: ValidationInput): ValidationOutcome =>
  registryDenial(input.params.name, 'path.name') ?? {};

export const validateDistribution = (input: ValidationInput): ValidationOutcome =>
  registryDenial(input.params.name, 'path.name') ?? {};

export const validateImageSearch = (input: ValidationInput): ValidationOutcome =>
  registryDenial(first(input, 'term'), 'query.term') ?? {};
