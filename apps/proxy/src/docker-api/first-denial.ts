import { PolicyDenial } from '@dind/policy';

/**
 * Checks each distinct item in turn (a name given twice is looked up once) and
 * returns the first denial: a daemon-side check of references stops at the
 * first reference it cannot allow.
 */
export async function firstDenial<T>(items: readonly T[], keyOf: (item: T) => string, check: (item: T) => Promise<PolicyDenial | undefined>): Promise<PolicyDenial | undefined> {
  const seen = new Set<string>();
  for (const item of items) {
    const key = keyOf(item);
    if (seen.has(key)) continue;
    seen.add(key);
    const denial = await check(item);
    if (denial) return denial;
  }
  return undefined;
}
