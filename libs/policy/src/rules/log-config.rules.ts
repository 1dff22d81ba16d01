import { formatBytes, parseByteSize } from '../units/byte-size';
import { FieldRule, Finding, isEmptyMap, mustBeOneOf, RuleContext } from './field-rule';

// What each local driver reads (moby daemon/logger/jsonfilelog and local, and
// the `mode`/`max-buffer-size` every driver takes). An allowlist: an option a
// later daemon adds is refused until it is read here. tag, labels and env only
// copy the container's own names into its log lines.
const LOG_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  'json-file': ['max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag', 'mode', 'max-buffer-size'],
  local: ['max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag', 'mode', 'max-buffer-size'],
  none: [],
};
// The non-blocking mode's ring buffer lives in the daemon's memory, one per
// container; the daemon's own default is 1 MB.
const MAX_BUFFER_BYTES = 1024 * 1024;

interface LogConfig {
  readonly Type?: string | null;
  readonly Config?: Record<string, string> | null;
}

function checkLogOptionNames(value: unknown): Finding | undefined {
  const { Type, Config } = (value ?? {}) as LogConfig;
  const allowed = LOG_OPTIONS[Type || 'json-file'];
  if (!allowed || isEmptyMap(Config)) return undefined;
  for (const key of Object.keys(Config!)) {
    if (allowed.includes(key)) continue;
    const reason = allowed.length === 0 ? `the ${Type} log driver takes no options` : `the ${Type} log driver may only be given ${allowed.join(', ')}`;
    return { reason, field: `LogConfig.Config.${key}`, value: Config![key] };
  }
  return undefined;
}

/**
 * A file log driver keeps at most max-size × max-file per container (one entry
 * more per file: rotation happens before the write that crosses max-size).
 * Settle has filled in what the client left out, so both are present here.
 */
function checkLogBound(value: unknown, context: RuleContext): Finding | undefined {
  const { Type, Config } = (value ?? {}) as LogConfig;
  if (Type !== 'json-file' && Type !== 'local') return undefined;
  const options = Config ?? {};
  const { logs } = context.options.resources;
  const at = (key: string, reason: string): Finding => ({ reason, field: `LogConfig.Config.${key}`, value: options[key] });
  const size = parseByteSize(options['max-size'] ?? '', 'decimal');
  if (size === undefined || size < 1) return at('max-size', 'max-size must be a positive size such as 10m');
  if (!/^[1-9]\d{0,5}$/.test(options['max-file'] ?? '')) return at('max-file', 'max-file must be a whole number from 1');
  const bound = logs.maxSizeBytes * logs.maxFile;
  if (size * Number(options['max-file']) > bound) {
    return at(
      'max-size',
      `a container may keep at most ${formatBytes(bound, 'decimal')} of logs (resources.logs: ${logs.maxSize} × ${logs.maxFile}); max-size × max-file asks for ${formatBytes(size * Number(options['max-file']), 'decimal')}`,
    );
  }
  const buffer = options['max-buffer-size'];
  if (buffer !== undefined && !((parseByteSize(buffer, 'binary') ?? Infinity) <= MAX_BUFFER_BYTES)) {
    return at('max-buffer-size', `the log buffer is held in the daemon's memory; at most ${formatBytes(MAX_BUFFER_BYTES)}`);
  }
  return undefined;
}

/** Which log driver, and how much log it may keep. */
export const LOG_CONFIG_RULES: readonly FieldRule[] = [
  {
    rule: 'log-driver',
    field: 'LogConfig.Type',
    check: mustBeOneOf(['', 'json-file', 'local', 'none'], 'only the local log drivers json-file, local and none are allowed (others make the daemon connect out)'),
  },
  { rule: 'log-driver', field: 'LogConfig', check: checkLogOptionNames },
  { rule: 'resources', field: 'LogConfig', check: checkLogBound },
];
