import { parseStrictJson, StrictJsonError } from '../json/strict-json.parser';
import { deny, PolicyDenial } from '../policy-denial';
import { OWNER_LABEL } from './owner-label';

/**
 * The `filters` query value of a list, prune or events request with the
 * requester's owner label added, re-serialised in the map form the daemon
 * reads (`{"label":{"k=v":true}}`). The daemon ANDs label filters, so the
 * client's own filters can only narrow the answer further. The legacy form
 * (`{"label":["k=v"]}`, lists instead of maps) is accepted and rewritten: the
 * daemon decodes the map form first and the legacy one only if that fails, so
 * a body must be wholly one or the other.
 */
export function withOwnerFilter(filters: string | undefined, owner: string): string | PolicyDenial {
  const refused = (reason: string) => deny('query.filters', reason, 'query.filters', filters);
  let parsed: unknown = {};
  // The daemon treats an empty value as no filter at all.
  if (filters !== undefined && filters !== '') {
    try {
      // Duplicate keys refused: the daemon's map decode would keep the last one.
      parsed = parseStrictJson(filters, { isMap: () => true });
    } catch (error) {
      if (error instanceof StrictJsonError) return refused(`not valid filters JSON: ${error.reason}`);
      throw error;
    }
  }
  if (parsed === null) parsed = {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return refused('filters must be a JSON object');
  const canonical: Record<string, Record<string, boolean>> = {};
  for (const [name, values] of Object.entries(parsed as Record<string, unknown>)) {
    const set: Record<string, boolean> = {};
    if (Array.isArray(values)) {
      for (const value of values) {
        if (typeof value !== 'string') return refused(`filter ${JSON.stringify(name)}: values must be strings`);
        set[value] = true;
      }
    } else if (values !== null && typeof values === 'object') {
      for (const [value, on] of Object.entries(values as Record<string, unknown>)) {
        if (typeof on !== 'boolean') return refused(`filter ${JSON.stringify(name)}: values must map to true or false`);
        set[value] = on;
      }
    } else if (values !== null) {
      return refused(`filter ${JSON.stringify(name)} must be a list or a map`);
    }
    canonical[name] = set;
  }
  canonical.label = { ...(canonical.label ?? {}), [`${OWNER_LABEL}=${owner}`]: true };
  return JSON.stringify(canonical);
}
