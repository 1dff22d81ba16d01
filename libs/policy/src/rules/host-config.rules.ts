import {
  FieldRule,
  isAbsent,
  mustBeAbsent,
  mustBeEmptyList,
  mustBeEmptyMap,
  mustBeEmptyString,
  mustBeOneOf,
  mustNotBeTrue,
} from './field-rule';
import { LOG_CONFIG_RULES } from './log-config.rules';
import { hostModeRule } from './namespace-mode';
import { checkCapAdd, checkNetworkMode, checkPortBindings, checkPublishAll, checkSysctls } from './option-rules';
import { CREATE_LIMIT_RULES } from './resource-limit.rules';
import { checkSecurityOpt } from './security-opt';
import { STORAGE_OPT_RULES } from './storage-opt.rules';
import { checkTmpfs } from './tmpfs-options.rules';
import { checkUlimits } from './ulimit.rules';
import { checkBinds, checkMounts } from './volume-source';

const positiveOrZero = (what: string) => (value: unknown) =>
  typeof value === 'number' && value < 0 ? `${what} may not be negative` : undefined;
const zeroOrAbsent = (what: string) => (value: unknown) =>
  isAbsent(value) || value === 0 ? undefined : what;

/** Fields shared by HostConfig and the Resources of `containers/{id}/update`. */
export const RESOURCE_RULES: readonly FieldRule[] = [
  { rule: 'devices', field: 'Devices', check: mustBeEmptyList('host devices cannot be passed to containers') },
  { rule: 'devices', field: 'DeviceRequests', check: mustBeEmptyList('device requests (GPUs and other host devices) are not allowed') },
  { rule: 'devices', field: 'DeviceCgroupRules', check: mustBeEmptyList('device cgroup rules would open host devices') },
  { rule: 'cgroup', field: 'CgroupParent', check: mustBeEmptyString('choosing the cgroup parent places the container outside the daemon\'s cgroup') },
  // Without the OOM killer a container at its limit hangs instead of dying, and
  // without a limit it takes the whole machine's memory down with it.
  { rule: 'oom-kill', field: 'OomKillDisable', check: mustNotBeTrue('disabling the OOM killer is not allowed') },
  { rule: 'realtime', field: 'CpuRealtimePeriod', check: zeroOrAbsent('realtime CPU scheduling is not allowed') },
  { rule: 'realtime', field: 'CpuRealtimeRuntime', check: zeroOrAbsent('realtime CPU scheduling is not allowed') },
  // One allowlist wherever rlimits come in: create, update, and a classic build's step containers.
  { rule: 'ulimits', field: 'Ulimits', check: checkUlimits },
];

/** Everything in a HostConfig that could reach the host. */
export const HOST_CONFIG_RULES: readonly FieldRule[] = [
  { rule: 'privileged', field: 'Privileged', check: mustNotBeTrue('privileged containers are not allowed') },
  { rule: 'capabilities', field: 'CapAdd', check: checkCapAdd },
  // API 1.40 alone: replaces the whole capability set.
  { rule: 'capabilities', field: 'Capabilities', check: mustBeEmptyList('setting the capability set is not allowed') },
  ...RESOURCE_RULES,
  { rule: 'host-mount', field: 'Binds', check: checkBinds },
  { rule: 'host-mount', field: 'Mounts', check: checkMounts },
  { rule: 'tmpfs', field: 'Tmpfs', check: checkTmpfs },
  { rule: 'host-mount', field: 'VolumeDriver', check: mustBeOneOf(['', 'local'], 'only the local volume driver is allowed') },
  { rule: 'host-namespace', field: 'NetworkMode', check: checkNetworkMode },
  { rule: 'host-namespace', field: 'PidMode', check: hostModeRule('PID') },
  { rule: 'host-namespace', field: 'IpcMode', check: hostModeRule('IPC') },
  { rule: 'host-namespace', field: 'UTSMode', check: hostModeRule('UTS') },
  { rule: 'host-namespace', field: 'UsernsMode', check: hostModeRule('user') },
  { rule: 'host-namespace', field: 'CgroupnsMode', check: hostModeRule('cgroup') },
  { rule: 'confinement', field: 'SecurityOpt', check: checkSecurityOpt },
  { rule: 'confinement', field: 'MaskedPaths', check: mustBeAbsent('overriding the masked /proc paths is not allowed (null keeps the defaults)') },
  { rule: 'confinement', field: 'ReadonlyPaths', check: mustBeAbsent('overriding the read-only /proc paths is not allowed (null keeps the defaults)') },
  { rule: 'sysctls', field: 'Sysctls', check: (value, context, hostConfig) => checkSysctls(value, context, hostConfig as Record<string, unknown>) },
  { rule: 'cgroup', field: 'Cgroup', check: mustBeEmptyString('joining another cgroup is not allowed') },
  { rule: 'runtime', field: 'Runtime', check: mustBeOneOf(['', 'runc', 'io.containerd.runc.v2'], 'only the default runc runtime is allowed') },
  { rule: 'oom-score', field: 'OomScoreAdj', check: positiveOrZero('OomScoreAdj') },
  { rule: 'annotations', field: 'Annotations', check: mustBeEmptyMap('OCI annotations are not allowed (runtimes act on them)') },
  { rule: 'isolation', field: 'Isolation', check: mustBeOneOf(['', 'default'], 'only the default isolation is allowed') },
  { rule: 'ports', field: 'PortBindings', check: checkPortBindings },
  { rule: 'ports', field: 'PublishAllPorts', check: checkPublishAll },
  ...LOG_CONFIG_RULES,
  ...CREATE_LIMIT_RULES,
  ...STORAGE_OPT_RULES,
];
