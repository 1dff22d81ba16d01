import { deny, PolicyDenial } from '../policy-denial';
import { OWNERSHIP_RULE } from './owner-label';
import { RouteRow } from '../routes/route-table';
import { OwnedObject } from './owned-object';
import { withOwnerFilter } from './owner-filters';
import type { OwnerView } from './owner-view';

type QueryPairs = ReadonlyArray<readonly [string, string]>;

export interface OwnedRequest {
  /** The query to forward: a list's `filters` narrowed to the owner. */
  readonly kept: QueryPairs;
  readonly ownedObjects: readonly OwnedObject[];
  readonly ownerView?: { readonly view: OwnerView; readonly owner: string };
  /** A load: the transport reads the archive and asks `imageLoadRequest`. */
  readonly imageLoad?: { readonly owner: string };
}

/**
 * What ownership mode adds to a request, from its route's row: the objects it
 * acts on (inspected by the transport), its list filters, or the view of the
 * daemon's answer the proxy narrows itself.
 */
export function ownedRequest(
  route: RouteRow,
  params: Readonly<Record<string, string>>,
  query: ReadonlyMap<string, readonly string[]>,
  kept: QueryPairs,
  owner: string,
): OwnedRequest | PolicyDenial {
  // The names a load sets and the labels its images carry are in its body.
  if (route.template === '/images/load') return { kept, ownedObjects: [], imageLoad: { owner } };
  const ownedObjects: OwnedObject[] = [];
  if (route.template === '/images/get') {
    // What is checked is what the daemon saves: one tag, not every tag of the repository.
    kept = kept.map(([key, value]) => (key === 'names' && isRepositoryOnly(value) ? ([key, `${value}:latest`] as const) : ([key, value] as const)));
    query = new Map([...query, ['names', kept.filter(([key]) => key === 'names').map(([, value]) => value)]]);
  }
  if (route.template === '/images/{name}/get' && isRepositoryOnly(params.name ?? '')) {
    return deny(OWNERSHIP_RULE, 'a save of a repository name saves every tag in it, which may be another client\'s; name a tag', 'path.name', params.name);
  }
  let pathRef: string | undefined = params.id ?? params.name;
  if (route.template === '/images/{name}/push') {
    pathRef = pushedReference(params.name ?? '', query.get('tag')?.[0]);
    if (pathRef === undefined) return deny(OWNERSHIP_RULE, 'a push of every tag of a repository could push tags that are another client\'s; push one tag', 'path.name', params.name);
  }
  if (route.owns) {
    const { kind, at, mustOwn, sharedReason } = route.owns;
    const named =
      at === 'path'
        ? [['path', pathRef] as const]
        : (query.get(at.slice('query.'.length)) ?? []).map((value) => [at, value] as const);
    for (const [field, ref] of named) {
      if (ref !== undefined && ref !== '') ownedObjects.push({ kind, ref, field: field === 'path' ? `path.${'id' in params ? 'id' : 'name'}` : field, owner, ifMissing: 'not-found', ...(mustOwn ? { mustOwn } : {}), ...(sharedReason ? { sharedReason } : {}) });
    }
  }
  const allTags = everyTagPull(route, query);
  if (allTags) return allTags;
  for (const name of route.namesImage ?? []) ownedObjects.push(...namedImages(name, query, owner));
  if (route.ownerList === undefined) return { kept, ownedObjects };
  if (route.ownerList !== 'filters') return { kept, ownedObjects, ownerView: { view: route.ownerList, owner } };
  const filters = withOwnerFilter(query.get('filters')?.[0], owner);
  if (typeof filters !== 'string') return filters;
  return { kept: [...kept.filter(([key]) => key !== 'filters'), ['filters', filters]], ownedObjects };
}

/**
 * The image names a request points at its result. A name that exists and holds
 * another client's image is refused (the daemon would move it). A tag, commit,
 * import or build may take a new name or one of the requester's own, not one
 * on a shared image: everyone runs a shared name (`python:3.12`), and moving it
 * to the requester's content would run that content in other clients'
 * containers. A pull may move a shared name: it brings the registry's image.
 */
function namedImages(parameter: 'repo' | 'fromImage' | 't', query: ReadonlyMap<string, readonly string[]>, owner: string): OwnedObject[] {
  const named = (ref: string, field: string): OwnedObject => ({ kind: 'image', ref, field, owner, ifMissing: 'go-on', ...(parameter === 'fromImage' ? {} : { mustOwn: true as const }) });
  if (parameter === 't') return (query.get('t') ?? []).filter((tag) => tag !== '').map((tag) => named(tag, 'query.t'));
  const repo = query.get(parameter)?.[0];
  if (!repo) return [];
  const tag = query.get('tag')?.[0];
  // The daemon names `repo` with `tag` (a `tag` with a colon is a digest), or
  // `latest` when neither says otherwise; inspect resolves it alike.
  return [named(tag ? `${repo}${tag.includes(':') ? '@' : ':'}${tag}` : repo, `query.${parameter}`)];
}

/**
 * A pull without a tag or digest (`docker pull --all-tags`) moves every tag of
 * the repository the registry has, while only `latest` could be checked.
 */
function everyTagPull(route: RouteRow, query: ReadonlyMap<string, readonly string[]>): PolicyDenial | undefined {
  if (!route.namesImage?.includes('fromImage')) return undefined;
  const image = query.get('fromImage')?.[0];
  if (!image || query.get('tag')?.[0]) return undefined;
  const last = image.slice(image.lastIndexOf('/') + 1);
  if (last.includes(':') || image.includes('@')) return undefined;
  return deny(OWNERSHIP_RULE, 'a pull of every tag of a repository could move names that hold another client\'s images; pull one tag or digest', 'query.fromImage', image);
}

/**
 * What the daemon pushes: the path's name with the `tag` parameter in place of
 * any tag it has; the name's own tag without one; every tag (undefined) when
 * neither names one.
 */
function pushedReference(name: string, tag: string | undefined): string | undefined {
  const slash = name.lastIndexOf('/');
  const colon = name.indexOf(':', slash + 1);
  const repository = colon === -1 ? name : name.slice(0, colon);
  if (tag) return `${repository}:${tag}`;
  return colon === -1 ? undefined : name;
}

/**
 * A name without a tag or digest, which the daemon's save expands to every tag
 * of the repository. A bare hexadecimal string is taken as an image ID (the
 * daemon falls back to one when no repository has that name).
 */
function isRepositoryOnly(ref: string): boolean {
  if (ref === '' || ref.includes('@') || /^(sha256:)?[0-9a-f]{1,64}$/.test(ref)) return false;
  return !ref.slice(ref.lastIndexOf('/') + 1).includes(':');
}
