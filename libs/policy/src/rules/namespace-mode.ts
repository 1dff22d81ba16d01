/**
 * Namespace modes as the daemon reads them: `host`, `container:<id>`, `private`,
 * `shareable`, `none`, ''. The daemon compares `host` case-sensitively; we refuse
 * every case variant too, so no later daemon change can make one mean host.
 */
export function isHostMode(value: unknown): boolean {
  return typeof value === 'string' && value.trim().toLowerCase() === 'host';
}

export const hostModeRule = (what: string) => (value: unknown) =>
  isHostMode(value) ? `sharing the host's ${what} namespace is not allowed` : undefined;
