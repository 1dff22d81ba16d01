import { FieldRule, Finding, isAbsent, isEmptyMap, mustBeAbsent, mustBeOneOf, mustNotBeTrue } from './field-rule';
import { isHostMode } from './namespace-mode';
import { VOLUME_NAME } from './volume-source';

// A tmpfs-backed local volume is a legitimate use of driver options; these mount
// data options cannot name anything on the host.
const TMPFS_MOUNT_OPTIONS = /^(size=\d+[kmg%]?|mode=[0-7]{3,4}|uid=\d+|gid=\d+|nr_inodes=\d+[kmg]?|noexec|nosuid|nodev)$/;

function checkVolumeDriverOpts(value: unknown): Finding | undefined {
  if (isEmptyMap(value) || typeof value !== 'object') return undefined;
  const options = value as Record<string, unknown>;
  const keys = Object.keys(options);
  const tmpfs =
    options.type === 'tmpfs' &&
    options.device === 'tmpfs' &&
    keys.every((key) => ['type', 'device', 'o'].includes(key)) &&
    (options.o === undefined || (typeof options.o === 'string' && options.o.split(',').every((o) => TMPFS_MOUNT_OPTIONS.test(o))));
  return tmpfs
    ? undefined
    : { reason: 'local volume options may only describe a tmpfs (type=tmpfs,device=tmpfs,o=size=…); type/o/device can bind any host path or mount a network share' };
}

export const VOLUME_CREATE_RULES: readonly FieldRule[] = [
  {
    rule: 'volume-name',
    field: 'Name',
    check: (value) =>
      isAbsent(value) || value === '' || (typeof value === 'string' && VOLUME_NAME.test(value)) ? undefined : 'not a valid volume name',
  },
  { rule: 'volume-driver', field: 'Driver', check: mustBeOneOf(['', 'local'], 'only the local volume driver is allowed') },
  { rule: 'volume-driver', field: 'DriverOpts', check: checkVolumeDriverOpts },
  { rule: 'swarm', field: 'ClusterVolumeSpec', check: mustBeAbsent('cluster volumes need swarm mode, which is not offered') },
];

// Bridge options that only tune the network. Everything else is refused: e.g.
// com.docker.network.bridge.name attaches to an existing host bridge.
const BRIDGE_OPTIONS = new Set([
  'com.docker.network.driver.mtu',
  'com.docker.network.bridge.enable_icc',
  'com.docker.network.bridge.enable_ip_masquerade',
]);

function checkNetworkOptions(value: unknown): Finding | undefined {
  if (isEmptyMap(value) || typeof value !== 'object') return undefined;
  const key = Object.keys(value as object).find((option) => !BRIDGE_OPTIONS.has(option));
  return key === undefined
    ? undefined
    : { reason: `network option is not allowed (allowed: ${[...BRIDGE_OPTIONS].join(', ')})`, field: `Options.${key}`, value: (value as Record<string, unknown>)[key] };
}

// A chosen subnet becomes a route in the daemon's network namespace, which is the
// service's own: a subnet over the cluster or host network would capture its traffic.
function checkIpam(value: unknown): Finding | undefined {
  if (isAbsent(value) || typeof value !== 'object') return undefined;
  const ipam = value as Record<string, unknown>;
  if (!isAbsent(ipam.Driver) && ipam.Driver !== '' && ipam.Driver !== 'default') {
    return { reason: 'only the default IPAM driver is allowed', field: 'IPAM.Driver', value: ipam.Driver };
  }
  if (Array.isArray(ipam.Config) && ipam.Config.length > 0) {
    return { reason: 'choosing subnets is not allowed; the daemon picks from its default pools', field: 'IPAM.Config', value: ipam.Config };
  }
  if (!isEmptyMap(ipam.Options)) return { reason: 'IPAM options are not allowed', field: 'IPAM.Options', value: ipam.Options };
  return undefined;
}

export const NETWORK_CREATE_RULES: readonly FieldRule[] = [
  {
    rule: 'network-name',
    field: 'Name',
    check: (value) => (isHostMode(value) || value === 'none' || value === 'bridge' ? 'this name is reserved for a predefined network' : undefined),
  },
  {
    rule: 'network-driver',
    field: 'Driver',
    check: mustBeOneOf(['', 'bridge'], 'only bridge networks are allowed (macvlan, ipvlan, host and overlay attach to host interfaces or need swarm)'),
  },
  { rule: 'network-driver', field: 'Options', check: checkNetworkOptions },
  { rule: 'network-driver', field: 'IPAM', check: checkIpam },
  { rule: 'network-driver', field: 'ConfigFrom', check: mustBeAbsent('config-from networks are not allowed') },
  { rule: 'network-driver', field: 'ConfigOnly', check: mustNotBeTrue('config-only networks are not allowed') },
  { rule: 'swarm', field: 'Ingress', check: mustNotBeTrue('ingress networks need swarm mode') },
  { rule: 'network-driver', field: 'Scope', check: mustBeOneOf(['', 'local'], 'only local networks are allowed') },
];

export const NETWORK_CONNECT_RULES: readonly FieldRule[] = [
  {
    rule: 'network-driver',
    field: 'EndpointConfig.DriverOpts',
    check: (value) => (isEmptyMap(value) ? undefined : 'endpoint driver options are not allowed'),
  },
];
