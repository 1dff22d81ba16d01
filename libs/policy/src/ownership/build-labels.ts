import { parseStrictJson, StrictJsonError } from '../json/strict-json.parser';
import { deny, PolicyDenial } from '../policy-denial';
import { forgedOwnerLabel, OWNER_LABEL } from './owner-label';

/**
 * A build's `labels` query (a JSON map) with the owner label added. The
 * daemon appends these labels as LABEL instructions to the last stage
 * (moby builder/dockerfile buildLabelOptions; BuildKit's frontend likewise
 * applies them last), so a Dockerfile's own LABEL of the key is overridden.
 */
export function ownerLabelledBuildLabels(raw: string | undefined, owner: string): string | PolicyDenial {
  let labels: unknown = {};
  if (raw !== undefined && raw !== '') {
    try {
      // Duplicate keys refused: the daemon's decode keeps the last one.
      labels = parseStrictJson(raw, { isMap: () => true });
    } catch (error) {
      if (error instanceof StrictJsonError) return deny('query.labels', `not a valid labels map: ${error.reason}`, 'query.labels', raw);
      throw error;
    }
  }
  if (labels === null) labels = {};
  if (typeof labels !== 'object' || Array.isArray(labels) || Object.values(labels as object).some((value) => typeof value !== 'string')) {
    return deny('query.labels', 'labels must be a JSON map of strings', 'query.labels', raw);
  }
  const forged = forgedOwnerLabel(labels, 'query.labels');
  if (forged) return forged;
  return JSON.stringify({ ...(labels as Record<string, string>), [OWNER_LABEL]: owner });
}
