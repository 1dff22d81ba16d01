import { Finding, eachEntry } from './field-rule';

// strconv.ParseBool's spellings of true: the daemon reads `no-new-privileges=<bool>`
// with it.
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

/**
 * The daemon accepts `key=value`, the legacy `key:value` and bare words
 * (`no-new-privileges`, `disable`). Only options that add confinement pass:
 * every label, apparmor and seccomp choice can replace the default profile with a
 * weaker one, and `systempaths`/`writable-cgroups` loosen it by design.
 */
export function checkSecurityOpt(value: unknown): Finding | undefined {
  return eachEntry(value, (entry, index) => {
    const field = `SecurityOpt[${index}]`;
    if (typeof entry !== 'string') return { reason: 'must be a string', field, value: entry };
    if (entry === 'no-new-privileges') return undefined;
    const separator = entry.includes('=') ? '=' : entry.includes(':') ? ':' : undefined;
    if (separator) {
      const at = entry.indexOf(separator);
      const key = entry.slice(0, at);
      const option = entry.slice(at + 1);
      if (key === 'no-new-privileges' && GO_TRUE.has(option)) return undefined;
    }
    return {
      reason: 'only no-new-privileges may be set; seccomp, apparmor, label, systempaths and writable-cgroups options would loosen the default confinement',
      field,
      value: entry,
    };
  });
}
