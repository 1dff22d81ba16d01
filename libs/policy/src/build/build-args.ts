import { deny, PolicyDenial } from '../policy-denial';

export type BuildArgsReading = { readonly buildArgs: Record<string, string | null> } | { readonly denial: PolicyDenial };

/** The `buildargs` query parameter, decoded: a JSON object of strings (null: declared without a value). */
export function parseBuildArgs(raw: string | undefined): BuildArgsReading {
  if (raw === undefined || raw === '') return { buildArgs: {} };
  const refused = { denial: deny('build.context', 'buildargs must be a JSON object of strings', 'query.buildargs', raw) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return refused;
  }
  if (parsed === null) return { buildArgs: {} };
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return refused;
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (!entries.every(([, value]) => value === null || typeof value === 'string')) return refused;
  return { buildArgs: Object.fromEntries(entries) as Record<string, string | null> };
}
