import { UlimitDto } from '../dto/ulimit.dto';
import { toCanonicalPlain, validateDto } from '../dto/validate-dto';
import { parseStrictJson, StrictJsonError } from '../json/strict-json.parser';

/**
 * How the classic builder turns `POST /build` query parameters into the
 * HostConfig of the containers its RUN steps run in (moby v20.10:
 * api/server/router/build/build_routes.go `newImageBuildOptions`, then
 * builder/dockerfile/internals.go `hostConfigFromOptions`). Each row names the
 * create field the parameter becomes, so that the parameter is judged by that
 * field's create rule. A spec pins this table against the route's parameters.
 */
export interface BuildStepParameter {
  /** The query parameter the daemon reads. */
  readonly parameter: string;
  /** The HostConfig field of the step container it becomes. */
  readonly field: string;
  /** The value as the daemon reads it from the parameter's values; a string is why it cannot be read. */
  readonly read: (values: readonly string[]) => { readonly value: unknown } | string;
}

const ABSENT = { value: undefined };

/** `r.FormValue`: the first value; '' is the daemon's default. */
const text = (values: readonly string[]) => (values[0] === undefined || values[0] === '' ? ABSENT : { value: values[0] });

/**
 * `httputils.Int64ValueOrZero`: strconv.ParseInt base 10, and 0 for anything it
 * cannot parse (an overflowing memory limit silently becomes "no limit").
 * Rather than follow the daemon into 0 we refuse what it would not read as
 * written, and what JavaScript cannot hold exactly.
 */
function int64(values: readonly string[]): { readonly value: unknown } | string {
  const raw = values[0];
  if (raw === undefined || raw === '') return ABSENT;
  if (!/^[+-]?[0-9]+$/.test(raw)) return 'must be a base-10 integer (the daemon reads anything else as 0)';
  const value = Number(raw);
  return Number.isSafeInteger(value) ? { value } : 'must be an integer within ±(2^53−1) (the daemon reads an overflowing value as 0)';
}

/** `r.Form[name]`: every value, in order. */
const list = (values: readonly string[]) => (values.length === 0 ? ABSENT : { value: [...values] });

/**
 * `ulimits`: JSON decoded into `[]*units.Ulimit`. Read strictly (no duplicate
 * keys) and as the create body's Ulimits entries (canonical key spellings,
 * integers), so the list judged is the list the daemon decodes.
 */
function ulimits(values: readonly string[]): { readonly value: unknown } | string {
  const raw = values[0];
  if (raw === undefined || raw === '') return ABSENT;
  let parsed: unknown;
  try {
    parsed = parseStrictJson(raw);
  } catch (error) {
    if (error instanceof StrictJsonError) return `must be a JSON list of ulimits: ${error.reason}`;
    throw error;
  }
  if (parsed === null) return ABSENT;
  if (!Array.isArray(parsed)) return 'must be a JSON list of ulimits ({"Name","Soft","Hard"})';
  const entries: unknown[] = [];
  for (const [index, entry] of parsed.entries()) {
    const read = validateDto(UlimitDto, entry);
    if (!read.ok) return `entry ${index}: ${read.violations[0].field} ${read.violations[0].reason}`;
    entries.push(toCanonicalPlain(read.value));
  }
  return { value: entries };
}

export const BUILD_STEP_PARAMETERS: readonly BuildStepParameter[] = [
  { parameter: 'networkmode', field: 'NetworkMode', read: text },
  { parameter: 'cgroupparent', field: 'CgroupParent', read: text },
  { parameter: 'isolation', field: 'Isolation', read: text },
  { parameter: 'securityopt', field: 'SecurityOpt', read: list },
  { parameter: 'extrahosts', field: 'ExtraHosts', read: list },
  { parameter: 'ulimits', field: 'Ulimits', read: ulimits },
  { parameter: 'cpusetcpus', field: 'CpusetCpus', read: text },
  { parameter: 'cpusetmems', field: 'CpusetMems', read: text },
  { parameter: 'cpushares', field: 'CpuShares', read: int64 },
  { parameter: 'cpuperiod', field: 'CpuPeriod', read: int64 },
  { parameter: 'cpuquota', field: 'CpuQuota', read: int64 },
  { parameter: 'memory', field: 'Memory', read: int64 },
  { parameter: 'memswap', field: 'MemorySwap', read: int64 },
  { parameter: 'shmsize', field: 'ShmSize', read: int64 },
];

/**
 * Parameters of `POST /build` that do not reach the step container's
 * HostConfig, each with where it goes instead. Together with the table above
 * this must cover every parameter the route accepts (pinned by a spec).
 */
export const BUILD_PARAMETERS_OUTSIDE_HOST_CONFIG: Readonly<Record<string, string>> = {
  t: 'tags of the result',
  dockerfile: 'path of the Dockerfile in the context (inspected with the context)',
  q: 'output verbosity',
  nocache: 'cache use',
  rm: 'removal of step containers',
  forcerm: 'removal of step containers',
  pull: 'pulling the base image (its registry is a dial target of the Dockerfile inspection)',
  buildargs: 'ARG values (expanded by the Dockerfile inspection)',
  labels: 'labels of the result image',
  cachefrom: 'images used as cache sources (local images)',
  target: 'the stage to build',
  remote: 'where the context comes from (checked: remote-context)',
  session: 'BuildKit session id (checked: buildkit)',
  buildid: 'BuildKit build id (checked: buildkit)',
  version: 'builder version (checked: buildkit)',
  platform: 'platform of the base image',
  outputs: 'BuildKit exporters (checked: buildkit)',
  squash: 'layer squashing (experimental daemons)',
};

export type StepHostConfig = { readonly hostConfig: Record<string, unknown> } | { readonly parameter: string; readonly value: string; readonly reason: string };

/** The step container's HostConfig as the daemon would build it from these parameters (fields left at their default are absent). */
export function buildStepHostConfig(query: ReadonlyMap<string, readonly string[]>): StepHostConfig {
  const hostConfig: Record<string, unknown> = {};
  for (const { parameter, field, read } of BUILD_STEP_PARAMETERS) {
    const values = query.get(parameter) ?? [];
    const result = read(values);
    if (typeof result === 'string') return { parameter, value: values[0], reason: result };
    if (result.value !== undefined) hostConfig[field] = result.value;
  }
  return { hostConfig };
}
