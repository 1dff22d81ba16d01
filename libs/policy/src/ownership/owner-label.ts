import { deny, PolicyDenial } from '../policy-denial';

/** The label that names who created an object, when the policy's `ownership` option is on. */
export const OWNER_LABEL = 'dind-service.owner';

export const OWNERSHIP_RULE = 'ownership';

const FORGED = `the label ${OWNER_LABEL} is set by dind-service to the client's identity; a client cannot set it`;

/** Refuses a client's own value for the owner label: it would claim an object for another identity. */
export function forgedOwnerLabel(labels: unknown, field: string): PolicyDenial | undefined {
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) return undefined;
  // Map keys are data (compared exactly, as the daemon does): only this spelling is the label.
  if (!Object.prototype.hasOwnProperty.call(labels, OWNER_LABEL)) return undefined;
  return deny(OWNERSHIP_RULE, FORGED, `${field}.${OWNER_LABEL}`, (labels as Record<string, unknown>)[OWNER_LABEL]);
}

/**
 * Sets the owner label at `field` (a key of `body`: the labels map) in place;
 * absent or null labels become a map. The denial when the client set it. Used
 * by every validator of a request that creates an object.
 */
export function labelBody(body: Record<string, unknown>, field: string, owner: string): PolicyDenial | undefined {
  const labels = body[field];
  const forged = forgedOwnerLabel(labels, field);
  if (forged) return forged;
  const current = labels !== null && typeof labels === 'object' && !Array.isArray(labels) ? (labels as Record<string, unknown>) : {};
  body[field] = { ...current, [OWNER_LABEL]: owner };
  return undefined;
}
