import { ResourceOptions } from '../options/resource-options';
import { formatBytes } from '../units/byte-size';
import { FieldRule, Finding, isAbsent, RuleContext } from './field-rule';

// The period the kernel (and the daemon) uses when CpuPeriod is 0: 100 ms.
const DEFAULT_CPU_PERIOD = 100_000;

const resourcesOf = (context: RuleContext): ResourceOptions => context.options.resources;
const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
const cpus = (nano: number): string => `${Number((nano / 1e9).toFixed(3))} CPUs`;

/**
 * PidsLimit: in create and update alike, 0 and -1 mean "unlimited" (null/absent
 * means "the default" at create, which settle has written, and "unchanged" at
 * update). A fork bomb stops at this limit, so the limit must always be there.
 */
function checkPidsLimit(value: unknown, context: RuleContext): string | undefined {
  if (isAbsent(value)) return undefined;
  const { max } = resourcesOf(context).pids;
  if (num(value) <= 0) return `an unlimited number of processes is not allowed (0 and -1 mean unlimited); give 1 to ${max}`;
  return num(value) > max ? `at most ${max} processes are allowed (resources.pids.max)` : undefined;
}

/** Memory: 0 is "the default" at create (settled) and "unchanged" at update; a negative value is no limit. */
function checkMemory(value: unknown, context: RuleContext): string | undefined {
  const { max } = resourcesOf(context).memory;
  if (max === undefined || isAbsent(value)) return undefined;
  if (num(value) < 0) return 'a negative memory limit is no limit, which is not allowed';
  return num(value) > max ? `at most ${formatBytes(max)} of memory is allowed (resources.memory.max)` : undefined;
}

/**
 * MemorySwap is memory plus swap: -1 lifts the bound on swap altogether. Twice
 * the memory ceiling is what the daemon itself gives a container whose Memory
 * is set and MemorySwap is not.
 */
function checkMemorySwap(value: unknown, context: RuleContext): string | undefined {
  const { max } = resourcesOf(context).memory;
  if (max === undefined || isAbsent(value) || num(value) === 0) return undefined;
  if (num(value) < 0) return 'unlimited swap (-1) is not allowed while memory has a ceiling (resources.memory.max)';
  return num(value) > 2 * max ? `memory plus swap may be at most ${formatBytes(2 * max)}, twice the memory ceiling (resources.memory.max)` : undefined;
}

function checkNanoCpus(value: unknown, context: RuleContext): string | undefined {
  const { max } = resourcesOf(context).cpus;
  if (max === undefined || isAbsent(value)) return undefined;
  if (num(value) < 0) return 'a negative CPU limit is not allowed';
  return num(value) > max ? `at most ${cpus(max)} are allowed (resources.cpus.max)` : undefined;
}

/**
 * CpuQuota/CpuPeriod is the other spelling of NanoCpus: quota -1 is no limit,
 * and the ratio is the number of CPUs. At update, either value alone is
 * applied against the other one the container already has (a period of 1 ms
 * under a quota of 100 ms is 100 CPUs), so while CPUs have a ceiling they are
 * updated together or not at all.
 */
const checkCpuQuota =
  (at: 'create' | 'update') =>
  (value: unknown, context: RuleContext, target: unknown): string | Finding | undefined => {
    const { max } = resourcesOf(context).cpus;
    if (max === undefined) return undefined;
    const quota = num(value);
    const period = num((target as Record<string, unknown> | undefined)?.CpuPeriod);
    if (quota < 0) return 'an unlimited CPU quota (-1) is not allowed while CPUs have a ceiling (resources.cpus.max)';
    if (at === 'update' && (quota !== 0 || period !== 0) && (quota <= 0 || period <= 0)) {
      const reason = 'CpuQuota and CpuPeriod are updated together while CPUs have a ceiling (either alone rescales the other)';
      return quota === 0 ? { reason, field: 'CpuPeriod', value: period } : reason;
    }
    if (quota === 0) return undefined;
    const nano = Math.ceil((quota * 1e9) / (period > 0 ? period : DEFAULT_CPU_PERIOD));
    return nano > max ? `CpuQuota/CpuPeriod amounts to ${cpus(nano)}; at most ${cpus(max)} are allowed (resources.cpus.max)` : undefined;
  };

// The ceilings, read at create (after the defaults are settled) or at update
// (where absent and 0 mean "unchanged", which only the CPU quota reads differently).
const limitRules = (at: 'create' | 'update'): readonly FieldRule[] => [
  { rule: 'resources', field: 'PidsLimit', check: checkPidsLimit },
  { rule: 'resources', field: 'Memory', check: checkMemory },
  { rule: 'resources', field: 'MemorySwap', check: checkMemorySwap },
  { rule: 'resources', field: 'NanoCpus', check: checkNanoCpus },
  { rule: 'resources', field: 'CpuQuota', check: checkCpuQuota(at) },
];

/** Limits every container gets at create, after the defaults are settled. */
export const CREATE_LIMIT_RULES = limitRules('create');

/** The same ceilings at `POST /containers/{id}/update`, where absent and 0 mean "unchanged". */
export const UPDATE_LIMIT_RULES = limitRules('update');
