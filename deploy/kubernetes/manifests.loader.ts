import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';

/**
 * The manifests under deploy/kubernetes, read once: every YAML document of every
 * file, the kustomizations among them, and the schema each object kind is
 * validated against. manifests.spec.ts asserts on what this module loads.
 */
export const root = __dirname;

export interface Kustomization {
  apiVersion: string;
  kind: 'Kustomization';
  namespace?: string;
  resources?: string[];
  patches?: Array<{ path?: string; patch?: string }>;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
}

/** The parts of a monitoring.coreos.com/v1 ServiceMonitor these manifests use. */
export interface ServiceMonitor {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'ServiceMonitor';
  metadata: { name: string; namespace: string };
  spec: {
    selector: { matchLabels: Record<string, string> };
    namespaceSelector: { matchNames: string[] };
    endpoints: Array<{ port: string; path: string; interval?: string }>;
  };
}

export interface Manifest {
  file: string;
  object: Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };
}

const yamlFiles = (dir: string): string[] =>
  readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(name) ? [relative(root, path)] : [];
    });

export const FILES = yamlFiles(root);

/** Every document of every file; a YAML error (duplicate keys included) throws. */
function load(file: string): Manifest[] {
  const documents = parseAllDocuments(readFileSync(join(root, file), 'utf8'));
  if (!Array.isArray(documents)) return [];
  return documents
    .map((document) => {
      const problems = [...document.errors, ...document.warnings];
      if (problems.length > 0) throw new Error(`${file}: ${problems.map((p) => p.message).join('; ')}`);
      return document.toJS() as Manifest['object'] | null;
    })
    .filter((object): object is Manifest['object'] => object !== null)
    .map((object) => ({ file, object }));
}

// A file that does not parse fails its own test in manifests.spec.ts, not the
// whole suite.
export const LOADED = FILES.map((file) => {
  try {
    return { file, manifests: load(file), error: undefined };
  } catch (error) {
    return { file, manifests: [], error: (error as Error).message };
  }
});
export const ALL = LOADED.flatMap((l) => l.manifests);

/**
 * Strategic-merge directives ("$patch: replace") are kustomize's, not part of
 * the Kubernetes schema: they are allowed only in files a kustomization uses as
 * patches, and removed before the object is validated.
 */
export function withoutPatchDirectives<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutPatchDirectives) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== '$patch').map(([key, inner]) => [key, withoutPatchDirectives(inner)])) as T;
}

export const containsPatchDirective = (value: unknown): boolean =>
  value !== null && typeof value === 'object' && Object.entries(value).some(([key, inner]) => key === '$patch' || containsPatchDirective(inner));

export type Validatable = { validate(): void };
const model = (ctor: new (data: never) => Validatable) => (data: unknown) => new ctor(data as never);
// The kinds these manifests may contain, each checked against the schema of the
// official Kubernetes OpenAPI spec. A new kind must be added here, with its schema.
export const SCHEMAS: Record<string, (data: unknown) => Validatable> = {
  'v1/Namespace': model(Namespace),
  'v1/Secret': model(Secret),
  'v1/Service': model(Service),
  'apps/v1/StatefulSet': model(StatefulSet),
  'policy/v1/PodDisruptionBudget': model(PodDisruptionBudget),
  'networking.k8s.io/v1/NetworkPolicy': model(NetworkPolicy),
};

export const kustomizations = ALL.filter((m) => m.object.kind === 'Kustomization').map((m) => ({ dir: dirname(m.file), k: m.object as unknown as Kustomization }));
export const patchFiles = new Set(kustomizations.flatMap(({ dir, k }) => (k.patches ?? []).flatMap((p) => (p.path ? [join(dir, p.path)] : []))));

export function only<T>(file: string, kind: string): T {
  const found = ALL.filter((m) => m.file === file && m.object.kind === kind);
  if (found.length !== 1) throw new Error(`${file}: expected one ${kind}, found ${found.length}`);
  return withoutPatchDirectives(found[0].object) as unknown as T;
}
