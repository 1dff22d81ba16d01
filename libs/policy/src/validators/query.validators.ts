import { deny, PolicyDenial } from '../policy-denial';
import { isHostNetworkRef } from '../rules/namespace-mode';
import { forbiddenHostReason, registryHostOf, urlHostOf } from '../rules/remote-address';
import { refuse, ValidationInput, ValidationOutcome } from './validation-input';

const first = (input: ValidationInput, key: string): string | undefined => input.query.get(key)?.[0];

function registryDenial(reference: string | undefined, field: string): PolicyDenial | undefined {
  if (!reference) return undefined;
  const host = registryHostOf(reference);
  const reason = host === undefined ? undefined : forbiddenHostReason(host);
  return reason ? deny('remote-address', reason, field, reference) : undefined;
}

function buildDenial(input: ValidationInput): PolicyDenial | undefined {
  const { options } = input.context;
  const networkMode = first(input, 'networkmode');
  if (isHostNetworkRef(networkMode, input.context.hostNetworkIds()) && !options.hostNetwork) {
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
    if (!options.remoteBuildContexts) {
      return deny('remote-context', 'remote build contexts make the daemon fetch a URL; send the context in the request body', 'query.remote', remote);
    }
    const host = urlHostOf(remote.replace(/^git@([^:]+):/, 'ssh://$1/'));
    const reason = host === undefined ? 'a remote context must be a URL' : forbiddenHostReason(host);
    if (reason) return deny('remote-address', reason, 'query.remote', remote);
  }
  const version = first(input, 'version');
  if (version && version !== '1') {
    return deny('buildkit', 'BuildKit is not enabled on this endpoint; use the classic builder (DOCKER_BUILDKIT=0)', 'query.version', version);
  }
  return undefined;
}

/** Classic builder: the query carries the build's host-facing settings. */
export const validateBuild = (input: ValidationInput): ValidationOutcome => refuse(buildDenial(input));

/** Pull (fromImage) dials a registry; import (fromSrc) reads the body or fetches a URL. */
export function validateImageCreate(input: ValidationInput): ValidationOutcome {
  const fromSrc = first(input, 'fromSrc');
  if (fromSrc !== undefined && fromSrc !== '-') {
    const host = urlHostOf(fromSrc);
    if (host === undefined) return refuse(deny('remote-address', 'fromSrc must be "-" (the request body) or an http(s) URL', 'query.fromSrc', fromSrc));
    const reason = forbiddenHostReason(host);
    if (reason) return refuse(deny('remote-address', reason, 'query.fromSrc', fromSrc));
  }
  return refuse(registryDenial(first(input, 'fromImage'), 'query.fromImage'));
}

export const validateImagePush = (input: ValidationInput): ValidationOutcome => refuse(registryDenial(input.params.name, 'path.name'));
export const validateDistribution = (input: ValidationInput): ValidationOutcome => refuse(registryDenial(input.params.name, 'path.name'));
export const validateImageSearch = (input: ValidationInput): ValidationOutcome => refuse(registryDenial(first(input, 'term'), 'query.term'));
