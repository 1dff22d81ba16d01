import { ResourceOptions } from '../options/resource-options';
import { isAbsent, isEmptyString } from '../rules/field-rule';

const unset = (value: unknown): boolean => isAbsent(value) || value === 0;

/**
 * Writes the policy's resource defaults into a create's HostConfig where the
 * client left the field out, so that the daemon's "unlimited" never applies by
 * omission. What the client did set is left for the rules to judge.
 */
export function settleResourceDefaults(hostConfig: Record<string, unknown>, resources: ResourceOptions): void {
  // At create, absent, null and 0 all leave the container without a pids limit.
  if (unset(hostConfig.PidsLimit)) hostConfig.PidsLimit = resources.pids.default;
  if (resources.memory.default !== undefined && unset(hostConfig.Memory)) hostConfig.Memory = resources.memory.default;
  settleCpus(hostConfig, resources.cpus.default);
  settleDisk(hostConfig, resources.disk.default);
  settleLogConfig(hostConfig, resources.logs);
}

/** The default CPUs as NanoCpus, or as a quota over the period the client chose (the daemon refuses both together). */
function settleCpus(hostConfig: Record<string, unknown>, nanoCpus: number | undefined): void {
  if (nanoCpus === undefined || !unset(hostConfig.NanoCpus) || !unset(hostConfig.CpuQuota)) return;
  const period = hostConfig.CpuPeriod;
  if (typeof period === 'number' && period > 0) hostConfig.CpuQuota = Math.floor((nanoCpus * period) / 1e9);
  else hostConfig.NanoCpus = nanoCpus;
}

function settleDisk(hostConfig: Record<string, unknown>, bytes: number | undefined): void {
  if (bytes === undefined) return;
  const options = (hostConfig.StorageOpt ?? {}) as Record<string, string>;
  if (!Object.prototype.hasOwnProperty.call(options, 'size')) hostConfig.StorageOpt = { ...options, size: String(bytes) };
}

/**
 * An empty Type means the daemon's default driver, whose limits are the
 * daemon's configuration, not ours (a shared daemon in sidecar mode may keep
 * unbounded logs, or ship them elsewhere): we name json-file, the daemon's
 * built-in default that `docker logs` reads. A file driver without rotation
 * options grows without end; the policy's are filled in.
 */
function settleLogConfig(hostConfig: Record<string, unknown>, logs: ResourceOptions['logs']): void {
  const current = (hostConfig.LogConfig ?? {}) as Record<string, unknown>;
  const type = isEmptyString(current.Type) ? 'json-file' : current.Type;
  if (type !== 'json-file' && type !== 'local') return;
  const config = { ...((current.Config ?? {}) as Record<string, string>) };
  if (!Object.prototype.hasOwnProperty.call(config, 'max-size')) config['max-size'] = logs.maxSize;
  if (!Object.prototype.hasOwnProperty.call(config, 'max-file')) config['max-file'] = String(logs.maxFile);
  hostConfig.LogConfig = { ...current, Type: type, Config: config };
}
