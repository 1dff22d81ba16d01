import { CONTAINER_CONFIG_RULES } from '../rules/container-create.rules';
import { HOST_CONFIG_RULES } from '../rules/host-config.rules';
import { containerReferencesOfCreate } from '../rules/container-reference';
import { networkReferencesOfCreate } from '../rules/network-reference';
import { volumeReferencesOfCreate } from '../rules/volume-reference';
import { isEmptyString } from '../rules/field-rule';
import { bodyValidator } from './body-validator';
import { settleResourceDefaults } from './resource-defaults';
import { ValidationInput } from './validation-input';
import { labelBody } from '../ownership/owner-label';
import { PolicyDenial } from '../policy-denial';
import type { OwnedObject } from '../ownership/owned-object';

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

/**
 * Ownership mode: the container, and the volumes its `Mounts` make (an
 * anonymous one is created by the daemon with the mount's
 * VolumeOptions.Labels; a named one the proxy creates with the same labels
 * when it is missing), carry the owner label. Anonymous volumes of `Binds`
 * and `Volumes` get no labels from the daemon: they stay unowned.
 */
function labelContainerCreate(body: Record<string, unknown>, owner: string): PolicyDenial | undefined {
  const forged = labelBody(body, 'Labels', owner);
  if (forged) return forged;
  const mounts = (body.HostConfig as Record<string, unknown> | undefined)?.Mounts;
  if (!Array.isArray(mounts)) return undefined;
  for (const [index, mount] of mounts.entries()) {
    if (mount === null || typeof mount !== 'object' || (mount as Record<string, unknown>).Type !== 'volume') continue;
    const entry = mount as Record<string, unknown>;
    const options = entry.VolumeOptions !== null && typeof entry.VolumeOptions === 'object' ? { ...(entry.VolumeOptions as Record<string, unknown>) } : {};
    const denial = labelBody(options, 'Labels', owner);
    if (denial) return { ...denial, field: `HostConfig.Mounts[${index}].VolumeOptions.${denial.field}` };
    entry.VolumeOptions = options;
  }
  return undefined;
}

/**
 * Ownership mode: what a create uses besides the references checked anyway.
 * Its image (another client's image is theirs; one the daemon does not have
 * is pulled by the CLI, so a 404 goes on). Its links: a legacy link on the
 * default bridge hands the new container the linked one's environment
 * variables, and an endpoint link names a container too.
 */
function ownedByCreate(body: Record<string, unknown>, owner: string): OwnedObject[] {
  const owned: OwnedObject[] = [];
  if (typeof body.Image === 'string' && body.Image !== '') owned.push({ kind: 'image', ref: body.Image, field: 'Image', owner, ifMissing: 'go-on' });
  const linked = (links: unknown, field: string) => {
    if (!Array.isArray(links)) return;
    links.forEach((link, index) => {
      // `name[:alias]`; the daemon also accepts the name with its leading slash.
      if (typeof link === 'string' && link !== '') owned.push({ kind: 'container', ref: link.split(':')[0].replace(/^\//, ''), field: `${field}[${index}]`, owner, ifMissing: 'not-found' });
    });
  };
  linked((body.HostConfig as Record<string, unknown> | null | undefined)?.Links, 'HostConfig.Links');
  const endpoints = (body.NetworkingConfig as Record<string, unknown> | null | undefined)?.EndpointsConfig;
  if (endpoints !== null && typeof endpoints === 'object') {
    for (const [name, settings] of Object.entries(endpoints as Record<string, Record<string, unknown> | null>)) linked(settings?.Links, `NetworkingConfig.EndpointsConfig.${name}.Links`);
  }
  return owned;
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
  labelOwned: labelContainerCreate,
  owned: ownedByCreate,
});
