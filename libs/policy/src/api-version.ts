// The API versions this policy has been audited against. Requests for any other
// version are refused: a newer version may carry fields the policy has never seen,
// and below 1.24 the daemon still honoured a HostConfig on container start.
export const AUDITED_MIN_API_VERSION = '1.24';
export const AUDITED_MAX_API_VERSION = '1.52';

export type ApiVersion = string;

const VERSION_SHAPE = /^1\.(\d{1,3})$/;

/** Minor number of a `1.xx` version, or undefined if it is not of that shape. */
export function apiMinor(version: string): number | undefined {
  const match = VERSION_SHAPE.exec(version);
  return match ? Number(match[1]) : undefined;
}

export function compareApiVersions(a: string, b: string): number {
  return (apiMinor(a) ?? -1) - (apiMinor(b) ?? -1);
}

export function isAuditedApiVersion(version: string): boolean {
  const minor = apiMinor(version);
  return (
    minor !== undefined &&
    minor >= apiMinor(AUDITED_MIN_API_VERSION)! &&
    minor <= apiMinor(AUDITED_MAX_API_VERSION)!
  );
}

/** The highest version both the daemon and this policy understand. */
export function clampToAudited(daemonVersion: string): string {
  return compareApiVersions(daemonVersion, AUDITED_MAX_API_VERSION) > 0 ? AUDITED_MAX_API_VERSION : daemonVersion;
}
