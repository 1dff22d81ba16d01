import { CONTAINER_CONFIG_RULES } from '../rules/container-create.rules';
import { HOST_CONFIG_RULES } from '../rules/host-config.rules';
import { containerReferencesOfCreate } from '../rules/container-reference';
import { networkReferencesOfCreate } from '../rules/network-reference';
import { volumeReferencesOfCreate } from '../rules/volume-reference';
import { isEmptyString } from '../rules/field-rule';
import { bodyValidator } from './body-validator';
import { settleResourceDefaults } from './resource-defaults';
import { ValidationInput } from './validation-input';

/**
 * States the safe value where "absent" would not be safe:
 * - CgroupnsMode: the daemon's default on cgroup v1 hosts is the host's cgroup
 *   namespace (and below API 1.41 the request handler forces it).
 * - IpcMode: below API 1.40 an empty mode means shareable.
 */
function settleNamespaceDefaults(body: Record<string, unknown>, input: ValidationInput): void {
  const hostConfig = (body.HostConfig ?? {}) as Record<string, unknown>;
  if (isEmptyString(hostConfig.CgroupnsMode)) hostConfig.CgroupnsMode = 'private';
  if (input.apiMinor < 40 && isEmptyString(hostConfig.IpcMode)) hostConfig.IpcMode = 'private';
  body.HostConfig = hostConfig;
}

/** The safe values a create gets when it names none: namespaces, then resource limits. */
function settleDefaults(body: Record<string, unknown>, input: ValidationInput): void {
  settleNamespaceDefaults(body, input);
  settleResourceDefaults(body.HostConfig as Record<string, unknown>, input.context.options.resources);
}

export const validateContainerCreate = bodyValidator({
  kind: 'containerCreate',
  ruleSets: [
    { at: 'HostConfig', rules: HOST_CONFIG_RULES },
    { at: '', rules: CONTAINER_CONFIG_RULES },
  ],
  settle: settleDefaults,
  references: containerReferencesOfCreate,
  volumes: volumeReferencesOfCreate,
  networks: networkReferencesOfCreate,
});
