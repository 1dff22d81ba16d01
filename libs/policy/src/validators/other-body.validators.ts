import { deny } from '../policy-denial';
import { checkImageChanges } from '../build/image-changes';
import { forgedOwnerChange } from '../ownership/owner-changes';
import { labelBody } from '../ownership/owner-label';
import { CONFIG_RULES, EXEC_CREATE_RULES } from '../rules/container-create.rules';
import { isEmptyMap } from '../rules/field-rule';
import { RESOURCE_RULES } from '../rules/host-config.rules';
import { isHostNetworkRef } from '../rules/namespace-mode';
import { networkReferencesOfConnect } from '../rules/network-reference';
import { UPDATE_LIMIT_RULES } from '../rules/resource-limit.rules';
import { forbiddenHostReason, urlHostOf } from '../rules/remote-address';
import { NETWORK_CONNECT_RULES, NETWORK_CREATE_RULES, VOLUME_CREATE_RULES } from '../rules/volume-network.rules';
import { bodyValidator } from './body-validator';
import { ValidationInput, ValidationOutcome } from './validation-input';

const ownerLabelled = (body: Record<string, unknown>, owner: string) => labelBody(body, 'Labels', owner);

/**
 * From API 1.24 the daemon refuses a start body longer than `{}`; before it, the
 * body was a HostConfig applied at start. Either way nothing but "no body" is
 * safe to forward.
 */
export function validateContainerStart(input: ValidationInput): ValidationOutcome {
  if (input.body === undefined) return {};
  if (input.body === null || isEmptyMap(input.body)) return { body: {} };
  return { denial: deny('body.start', 'container start takes no configuration; set it at create time', '(body)', input.body) };
}

export const validateContainerUpdate = bodyValidator({
  kind: 'containerUpdate',
  // Absent fields and 0 leave a limit unchanged at update; the ceilings still hold.
  ruleSets: [{ at: '', rules: [...RESOURCE_RULES, ...UPDATE_LIMIT_RULES] }],
});

// An exec session has the confinement of its container: that container must satisfy the policy.
export const validateExecCreate = bodyValidator({
  kind: 'execCreate',
  ruleSets: [{ at: '', rules: EXEC_CREATE_RULES }],
  references: (_body, input) => [{ field: 'path.id', value: input.params.id, ref: input.params.id, purpose: 'exec' }],
});
export const validateExecStart = bodyValidator({ kind: 'execStart', ruleSets: [], optional: true });

// Without a body the daemon takes the container's own config, owner label
// included (the container is the requester's: its ownership is checked); with
// one, the body's labels win over the container's (moby daemon/commit.go
// merge), so the body gets the owner label.
const commitBody = bodyValidator({ kind: 'commit', ruleSets: [{ at: '', rules: CONFIG_RULES }], optional: true, labelOwned: ownerLabelled });
/** The image config a commit writes: its body (a container Config) and its `changes` (Dockerfile lines, applied after the body). */
export function validateCommit(input: ValidationInput): ValidationOutcome {
  const outcome = commitBody(input);
  if (outcome.denial) return outcome;
  const denial = checkImageChanges(input.query.get('changes')) ?? (input.owner === undefined ? undefined : forgedOwnerChange(input.query.get('changes')));
  return denial ? { ...outcome, denial } : outcome;
}
export const validateVolumeCreate = bodyValidator({
  kind: 'volumeCreate',
  ruleSets: [{ at: '', rules: VOLUME_CREATE_RULES }],
  labelOwned: ownerLabelled,
  // The daemon answers a create of an existing name with that volume, labels and all.
  owned: (body, owner) => (typeof body.Name === 'string' && body.Name !== '' ? [{ kind: 'volume', ref: body.Name, field: 'Name', owner, ifMissing: 'go-on' }] : []),
});
export const validateNetworkCreate = bodyValidator({ kind: 'networkCreate', ruleSets: [{ at: '', rules: NETWORK_CREATE_RULES }], labelOwned: ownerLabelled });

const connectBody = bodyValidator({
  kind: 'networkConnect',
  ruleSets: [{ at: '', rules: NETWORK_CONNECT_RULES }],
  networks: (body, input) => networkReferencesOfConnect(input.params.id, body),
  // The container connected must be the requester's too, not only the network.
  owned: (body, owner) => (typeof body.Container === 'string' ? [{ kind: 'container', ref: body.Container, field: 'Container', owner, ifMissing: 'not-found' }] : []),
});
export function validateNetworkConnect(input: ValidationInput): ValidationOutcome {
  if (isHostNetworkRef(input.params.id, input.context.hostNetworkIds())) {
    return { denial: deny('host-namespace', 'connecting to the host network is not allowed', 'path.network', input.params.id) };
  }
  return connectBody(input);
}

/** A login's `serveraddress`: a URL or a bare host[:port][/path]. */
const serverHostOf = (address: string): string => urlHostOf(address) ?? address.split('/')[0];

const authBody = bodyValidator({
  kind: 'auth',
  ruleSets: [
    {
      at: '',
      rules: [
        {
          rule: 'remote-address',
          field: 'serveraddress',
          check: (value) => {
            if (typeof value !== 'string' || value === '') return undefined;
            return forbiddenHostReason(serverHostOf(value));
          },
        },
      ],
    },
  ],
});

/** `docker login` makes the daemon dial the registry: its address is a dial target. */
export function validateAuth(input: ValidationInput): ValidationOutcome {
  const outcome = authBody(input);
  const address = outcome.body?.serveraddress;
  if (outcome.denial || typeof address !== 'string' || address === '') return outcome;
  return { ...outcome, dialTargets: [{ field: 'serveraddress', value: address, host: serverHostOf(address) }] };
}

