/**
 * Namespace modes as the daemon reads them: `host`, `container:<id>`, `private`,
 * `shareable`, `none`, ''. The daemon compares `host` case-sensitively; we refuse
 * every case variant too, so no later daemon change can make one mean host.
 */
export function isHostMode(value: unknown): boolean {
  return typeof value === 'string' && value.trim().toLowerCase() === 'host';
}

/**
 * A network reference the daemon would resolve to its host network: the name,
 * in any case, or (for networks) its ID or an ID prefix.
 */
export function isHostNetworkRef(value: unknown, hostNetworkIds: readonly string[]): boolean {
  if (isHostMode(value)) return true;
  return typeof value === 'string' && /^[0-9a-f]+$/.test(value) && hostNetworkIds.some((id) => id.startsWith(value));
}

export const hostModeRule = (what: string) => (value: unknown) =>
  isHostMode(value) ? `sharing the host's ${what} namespace is not allowed` : undefined;
