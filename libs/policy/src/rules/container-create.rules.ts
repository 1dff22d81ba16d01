import { FieldRule, Finding, isAbsent, mustNotBeTrue, RuleContext } from './field-rule';
import { isHostNetworkRef } from './namespace-mode';
import { checkOnBuild } from './onbuild';

/** `NetworkingConfig.EndpointsConfig` is keyed by network; `host` must not be one. */
function checkEndpoints(value: unknown, context: RuleContext): Finding | undefined {
  if (isAbsent(value) || typeof value !== 'object') return undefined;
  for (const [network, settings] of Object.entries(value as Record<string, unknown>)) {
    const field = `NetworkingConfig.EndpointsConfig.${network}`;
    if (isHostNetworkRef(network, context.hostNetworkIds())) return { reason: 'connecting to the host network is not allowed', field, value: network };
    const driverOpts = (settings as Record<string, unknown> | null)?.DriverOpts;
    if (!isAbsent(driverOpts) && Object.keys(driverOpts as object).length > 0) {
      return { reason: 'endpoint driver options are not allowed', field: `${field}.DriverOpts`, value: driverOpts };
    }
  }
  return undefined;
}

/** A container's Config, as create and commit bodies carry it. */
export const CONFIG_RULES: readonly FieldRule[] = [{ rule: 'onbuild', field: 'OnBuild', check: checkOnBuild }];

/** Container-level fields outside HostConfig that carry power. */
export const CONTAINER_CONFIG_RULES: readonly FieldRule[] = [
  ...CONFIG_RULES,
  { rule: 'host-namespace', field: 'NetworkingConfig.EndpointsConfig', check: checkEndpoints },
];

export const EXEC_CREATE_RULES: readonly FieldRule[] = [
  { rule: 'privileged', field: 'Privileged', check: mustNotBeTrue('privileged exec sessions are not allowed') },
];
