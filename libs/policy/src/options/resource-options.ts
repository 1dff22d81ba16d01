import { byteSizeOption, ByteSizeBase } from '../units/byte-size';

/** A default written into a create that sets none, and a ceiling no create or update may pass. */
export interface LimitOption {
  readonly default?: number;
  readonly max?: number;
}

/**
 * Resource ceilings (docs/policy.md, "Resource ceilings"). Unlike the named
 * loosenings, these are on in "restricted": an unprivileged container can
 * still take the host down with a fork bomb, a log flood or sheer numbers.
 */
export interface ResourceOptions {
  /** HostConfig.PidsLimit: always set; never unlimited. */
  readonly pids: { readonly default: number; readonly max: number };
  /** HostConfig.Memory in bytes; off unless the operator sets it. */
  readonly memory: LimitOption;
  /** CPUs in NanoCpus (1e9 = one CPU); off unless the operator sets it. */
  readonly cpus: LimitOption;
  /** json-file/local log rotation: at most maxSizeBytes × maxFile per container. */
  readonly logs: { readonly maxSize: string; readonly maxSizeBytes: number; readonly maxFile: number };
  /** Containers the daemon may hold (created through this service or not), and run at once. */
  readonly containers: { readonly max: number; readonly running: number };
  /** StorageOpt size in bytes (needs a storage driver with quotas); off unless set. */
  readonly disk: LimitOption;
}

export const RESTRICTED_RESOURCES: ResourceOptions = {
  pids: { default: 1024, max: 4096 },
  memory: {},
  cpus: {},
  logs: { maxSize: '10m', maxSizeBytes: 10_000_000, maxFile: 3 },
  containers: { max: 200, running: 100 },
  disk: {},
};

// The daemon's own floors: below them it refuses the container anyway.
const MIN_MEMORY = 6 * 1024 * 1024;
const MIN_NANO_CPUS = 10_000_000;
// The kernel's PID_MAX_LIMIT on 64-bit: no pids limit above it means anything.
const PID_MAX_LIMIT = 4_194_304;

type Section = Record<string, unknown>;

/** Reads `resources` of a policy file; problems are pushed as `resources.<path>: why`. */
export function parseResourceOptions(raw: unknown, problems: string[]): ResourceOptions {
  if (raw === undefined) return RESTRICTED_RESOURCES;
  const report = (path: string, why: string) => problems.push(`resources${path === '' ? '' : `.${path}`}: ${why}`);
  const input = section(raw, '', RESTRICTED_RESOURCES, report);
  if (!input) return RESTRICTED_RESOURCES;

  const pidsIn = section(input.pids, 'pids', RESTRICTED_RESOURCES.pids, report);
  const pids = {
    default: integer(pidsIn?.default, RESTRICTED_RESOURCES.pids.default, 'pids.default', 1, PID_MAX_LIMIT, report),
    max: integer(pidsIn?.max, RESTRICTED_RESOURCES.pids.max, 'pids.max', 1, PID_MAX_LIMIT, report),
  };
  if (pids.default > pids.max) report('pids.default', `must not exceed pids.max (${pids.max})`);

  const logsIn = section(input.logs, 'logs', { maxSize: 0, maxFile: 0 }, report);
  const maxSize = logsIn?.maxSize ?? RESTRICTED_RESOURCES.logs.maxSize;
  const maxSizeBytes = byteSizeOption(maxSize, 'decimal');
  if (maxSizeBytes === undefined || maxSizeBytes < 1) report('logs.maxSize', 'must be a size such as 10m (bytes, or k/m/g, as the log option max-size reads it)');
  const logs = {
    maxSize: String(maxSize),
    maxSizeBytes: maxSizeBytes ?? 0,
    maxFile: integer(logsIn?.maxFile, RESTRICTED_RESOURCES.logs.maxFile, 'logs.maxFile', 1, 1000, report),
  };

  const countIn = section(input.containers, 'containers', RESTRICTED_RESOURCES.containers, report);
  const containers = {
    max: integer(countIn?.max, RESTRICTED_RESOURCES.containers.max, 'containers.max', 1, 1_000_000, report),
    running: integer(countIn?.running, RESTRICTED_RESOURCES.containers.running, 'containers.running', 1, 1_000_000, report),
  };
  if (containers.running > containers.max) report('containers.running', `must not exceed containers.max (${containers.max})`);

  return {
    pids,
    memory: limit(input.memory, 'memory', (v) => sizeAtLeast(v, 'binary', MIN_MEMORY), 'a size of at least 6m, such as 512m or 2g (as docker run --memory reads it)', report),
    cpus: limit(input.cpus, 'cpus', cpusToNano, 'a number of CPUs of at least 0.01, such as 0.5 or 2 (as docker run --cpus reads it)', report),
    logs,
    containers,
    disk: limit(input.disk, 'disk', (v) => sizeAtLeast(v, 'binary', 1), 'a size such as 10g (as --storage-opt size reads it)', report),
  };
}

/** An object whose keys are all known; undefined (after reporting) when it is not one. */
function section(raw: unknown, path: string, known: object, report: (path: string, why: string) => void): Section | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    report(path, 'must be a mapping');
    return undefined;
  }
  const names = Object.keys(known);
  for (const key of Object.keys(raw)) {
    if (!names.includes(key)) report(path === '' ? key : `${path}.${key}`, `unknown option (known: ${names.join(', ')})`);
  }
  return raw as Section;
}

function integer(value: unknown, fallback: number, path: string, min: number, max: number, report: (path: string, why: string) => void): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  report(path, `must be a whole number from ${min} to ${max}`);
  return fallback;
}

/** `{ default?, max? }`; a max without a default is also the default (a ceiling holds for every container). */
function limit(
  raw: unknown,
  path: string,
  read: (value: unknown) => number | undefined,
  what: string,
  report: (path: string, why: string) => void,
): LimitOption {
  const input = section(raw, path, { default: 0, max: 0 }, report);
  if (!input) return {};
  const value = (key: 'default' | 'max'): number | undefined => {
    if (input[key] === undefined || input[key] === null) return undefined;
    const parsed = read(input[key]);
    if (parsed === undefined) report(`${path}.${key}`, `must be ${what}`);
    return parsed;
  };
  const max = value('max');
  const given = value('default');
  if (max !== undefined && given !== undefined && given > max) report(`${path}.default`, `must not exceed ${path}.max`);
  const applied = given ?? max;
  return { ...(applied !== undefined && { default: applied }), ...(max !== undefined && { max }) };
}

function sizeAtLeast(value: unknown, base: ByteSizeBase, min: number): number | undefined {
  const bytes = byteSizeOption(value, base);
  return bytes !== undefined && bytes >= min ? bytes : undefined;
}

function cpusToNano(value: unknown): number | undefined {
  const cpus = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (typeof cpus !== 'number' || !Number.isFinite(cpus)) return undefined;
  const nano = Math.round(cpus * 1e9);
  return nano >= MIN_NANO_CPUS && Number.isSafeInteger(nano) ? nano : undefined;
}
