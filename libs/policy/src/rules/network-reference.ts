import { deny, PolicyDenial } from '../policy-denial';
import { applyRules, isAbsent, RuleContext } from './field-rule';
import { NETWORK_CREATE_RULES } from './volume-network.rules';

/**
 * A network a request attaches a container to. The daemon resolves it with
 * FindNetwork (daemon/network.go: full ID, then exact name, then a unique ID
 * prefix) and, for a user-defined name with an endpoint `NetworkID`, attaches
 * by that ID instead of the name (daemon/container_operations.go
 * getNetworkID). So what the request's key says is not what it joins: the
 * transport resolves every reference on the daemon (`GET /networks/{ref}`,
 * which resolves in the same order) and hands the answer to
 * `checkReferencedNetwork`.
 */
export interface NetworkReference {
  /** Where the request named it, e.g. 'NetworkingConfig.EndpointsConfig.app.NetworkID' or 'path.id'. */
  readonly field: string;
  readonly value: string;
  /** The ID, name or ID prefix the daemon resolves. */
  readonly ref: string;
  /** Ownership mode: the requester, who must own what is referenced (set by the policy, not the validator). */
  readonly owner?: string;
}

// containertypes.NetworkMode IsDefault/IsBridge/IsHost/IsNone/IsContainer: the
// modes the daemon does not look up as a network by that term. (host is refused
// before this, in any case.)
const PREDEFINED_MODES = new Set(['', 'default', 'bridge', 'host', 'none']);
const isUserDefined = (mode: string) => !PREDEFINED_MODES.has(mode) && !mode.startsWith('container:');

type Settings = Record<string, unknown> | null | undefined;

const endpointIdReference = (field: string, settings: Settings): NetworkReference[] => {
  const id = settings?.NetworkID;
  return typeof id === 'string' && id !== '' ? [{ field: `${field}.NetworkID`, value: id, ref: id }] : [];
};

/** The networks a create body attaches to: `HostConfig.NetworkMode`, each `EndpointsConfig` key and its `NetworkID`. */
export function networkReferencesOfCreate(body: Record<string, unknown>): NetworkReference[] {
  const found: NetworkReference[] = [];
  const mode = (body.HostConfig as Settings)?.NetworkMode;
  if (typeof mode === 'string' && isUserDefined(mode)) found.push({ field: 'HostConfig.NetworkMode', value: mode, ref: mode });
  const endpoints = (body.NetworkingConfig as Settings)?.EndpointsConfig;
  if (!isAbsent(endpoints) && typeof endpoints === 'object') {
    for (const [key, settings] of Object.entries(endpoints as Record<string, Settings>)) {
      const field = `NetworkingConfig.EndpointsConfig.${key}`;
      if (isUserDefined(key)) found.push({ field, value: key, ref: key });
      // The daemon prefers the ID only for user-defined keys; any given ID is checked.
      found.push(...endpointIdReference(field, settings));
    }
  }
  return found;
}

/**
 * `POST /networks/{id}/connect`: the path's network, and the body's
 * `EndpointConfig.NetworkID` (a stopped container keeps the endpoint under the
 * path's term and attaches by that ID when it starts).
 */
export function networkReferencesOfConnect(id: string, body: Record<string, unknown> | undefined): NetworkReference[] {
  return [{ field: 'path.id', value: id, ref: id }, ...endpointIdReference('EndpointConfig', body?.EndpointConfig as Settings)];
}

const NETWORK_OPTION_RULES = NETWORK_CREATE_RULES.filter((rule) => rule.field === 'Options');

/**
 * Checks the network a reference resolves to, as `GET /networks/{ref}`
 * reports it: not the host network (unless the policy allows host
 * networking), only bridge and null (`none`) drivers, and a bridge's options
 * those `POST /networks/create` accepts — except the daemon's own default
 * bridge.
 */
export function checkReferencedNetwork(reference: NetworkReference, inspected: unknown, context: RuleContext): PolicyDenial | undefined {
  const network = (inspected ?? {}) as { Id?: unknown; Name?: unknown; Driver?: unknown; Options?: Record<string, unknown> | null };
  const { ref } = reference;
  const answers = typeof network.Id === 'string' && (network.Id === ref || network.Name === ref || (ref !== '' && network.Id.startsWith(ref)));
  if (!answers) return refusal(reference, `the daemon's answer for network ${JSON.stringify(ref)} does not describe it`);
  const what = `network ${JSON.stringify(ref)} resolves to ${JSON.stringify(network.Name)} (${(network.Id as string).slice(0, 12)})`;
  if (network.Driver === 'host') {
    return context.options.hostNetwork ? undefined : refusal(reference, `${what}, the host network: connecting to it is not allowed (rule host-namespace)`);
  }
  if (network.Driver === 'null') return undefined;
  if (network.Driver !== 'bridge') return refusal(reference, `${what}, a ${JSON.stringify(network.Driver)} network: only bridge networks are allowed (rule network-driver)`);
  // The daemon's own docker0 (predefined, named bridge) carries options no created network may.
  if (network.Name === 'bridge' && network.Options?.['com.docker.network.bridge.default_bridge'] === 'true') return undefined;
  const found = applyRules(NETWORK_OPTION_RULES, { Options: network.Options }, context);
  return found ? refusal(reference, `${what}, whose ${found.field}=${JSON.stringify(found.value)}: ${found.reason} (rule ${found.rule})`) : undefined;
}

export const networkReferenceRefusal = (reference: NetworkReference, reason: string): PolicyDenial => refusal(reference, reason);
const refusal = (reference: NetworkReference, reason: string): PolicyDenial => deny('network-reference', reason, reference.field, reference.value);
