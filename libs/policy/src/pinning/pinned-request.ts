import type { OwnedKind } from '../ownership/owned-object';
import { deny, PolicyDenial } from '../policy-denial';
import type { AllowedRequest } from '../policy-request';
import { ResolvedIds } from './resolved-ids';

/** A place in the request that names an object the transport inspected. */
interface NamedAt {
  readonly kind: OwnedKind;
  readonly field: string;
  readonly ref: string;
}

// Body fields whose value names a container by the reference checked (with a
// mode or alias around it), or the create's image.
const PINNED_BODY_FIELD = /^(Image|Container|HostConfig\.(VolumesFrom|Links)\[\d+\]|HostConfig\.(NetworkMode|PidMode|IpcMode)|NetworkingConfig\.EndpointsConfig\..+\.Links\[\d+\])$/;

// Query parameters that name an object to act on or borrow from. Not the image
// names a request gives its result (`repo`, `fromImage`, `t`): they are
// inspected only to see whose name it is, and are names, never references.
const PINNED_QUERY_FIELDS = new Set(['query.container', 'query.names', 'query.networkmode']);

// The daemon reads this image reference only as a repository name (never as an
// ID or ID prefix), so there is nothing to pin, and an ID there would not push.
const NAME_ONLY_ROUTES = new Set(['POST /images/{name}/push']);

/**
 * The request to forward once the daemon-side checks passed: every object it
 * names where the daemon resolves a reference (path, query, create body) named
 * by what the check's inspect resolved it to, so the daemon acts on the object
 * that was checked and not on one the reference resolves to a moment later.
 * The rest of the URL and body is left as it was; a reference two inspects
 * resolved differently is refused.
 */
export function pinnedRequest(decision: AllowedRequest, resolved: ResolvedIds): AllowedRequest | PolicyDenial {
  const named: NamedAt[] = [
    ...(decision.ownedObjects ?? []),
    ...(decision.containerReferences ?? []).map(({ field, ref }) => ({ kind: 'container' as const, field, ref })),
    ...(decision.networkReferences ?? []).map(({ field, ref }) => ({ kind: 'network' as const, field, ref })),
  ];
  if (decision.route && NAME_ONLY_ROUTES.has(`${decision.route.method} ${decision.route.template}`)) return decision;
  let upstreamUrl = decision.upstreamUrl;
  let body: Record<string, unknown> | undefined;
  for (const { kind, field, ref } of named) {
    const id = resolved.lookup(kind, ref);
    if (id === undefined) continue;
    if (id === 'moved') return deny('reference.moved', `${kind} ${JSON.stringify(ref)} resolved to two different objects while the request was checked; try again`, field, ref);
    if (field === 'path.id' || field === 'path.name') {
      upstreamUrl = withPathParam(upstreamUrl, decision.route.template, field.slice('path.'.length), id);
    } else if (PINNED_QUERY_FIELDS.has(field)) {
      upstreamUrl = withQueryValue(upstreamUrl, field.slice('query.'.length), ref, id);
    } else if (kind === 'network' && decision.body !== undefined) {
      body ??= JSON.parse(decision.body.toString('utf8')) as Record<string, unknown>;
      withNetworkId(body, field, ref, id);
    } else if (PINNED_BODY_FIELD.test(field) && decision.body !== undefined) {
      body ??= JSON.parse(decision.body.toString('utf8')) as Record<string, unknown>;
      withBodyValue(body, field, ref, id);
    }
    if (kind === 'network' && field === 'path.id' && decision.route.template === '/networks/{id}/connect' && decision.body !== undefined) {
      body ??= JSON.parse(decision.body.toString('utf8')) as Record<string, unknown>;
      withNetworkId(body, 'EndpointConfig', ref, id);
    }
  }
  if (upstreamUrl === decision.upstreamUrl && body === undefined) return decision;
  return { ...decision, upstreamUrl, ...(body ? { body: Buffer.from(JSON.stringify(body)) } : {}) };
}

/**
 * `upstreamUrl` with the route template's `{param}` replaced by `value`; the
 * version prefix, the other segments and the query are kept byte for byte. An
 * image name may span several segments: the template's segments before and
 * after the parameter are counted from either end.
 */
export function withPathParam(upstreamUrl: string, template: string, param: string, value: string): string {
  const queryAt = upstreamUrl.indexOf('?');
  const path = queryAt === -1 ? upstreamUrl : upstreamUrl.slice(0, queryAt);
  const query = queryAt === -1 ? '' : upstreamUrl.slice(queryAt);
  const [, version, ...segments] = path.split('/');
  const templateSegments = template.split('/').slice(1);
  const at = templateSegments.indexOf(`{${param}}`);
  if (at === -1) throw new Error(`route ${template} has no parameter ${param}`);
  const after = templateSegments.length - at - 1;
  const pinned = [...segments.slice(0, at), value, ...segments.slice(segments.length - after)];
  return `/${version}/${pinned.join('/')}${query}`;
}

/**
 * `upstreamUrl` with each value of parameter `key` that equals `ref` (or is a
 * `container:<ref>` mode) naming `id` instead; the other pairs are kept byte
 * for byte. The query is the policy's own encoding (`encodeURIComponent`).
 */
export function withQueryValue(upstreamUrl: string, key: string, ref: string, id: string): string {
  const queryAt = upstreamUrl.indexOf('?');
  if (queryAt === -1) return upstreamUrl;
  const pairs = upstreamUrl.slice(queryAt + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq === -1 || decodeURIComponent(pair.slice(0, eq)) !== key) return pair;
    const value = decodeURIComponent(pair.slice(eq + 1));
    const pinned = value === ref ? id : value === `container:${ref}` ? `container:${id}` : undefined;
    return pinned === undefined ? pair : `${pair.slice(0, eq)}=${encodeURIComponent(pinned)}`;
  });
  return `${upstreamUrl.slice(0, queryAt)}?${pairs.join('&')}`;
}

/**
 * A network a body names by a user-defined name is stored by that name and
 * looked up again each time the container starts (or, connected while
 * stopped, when it next starts): a network removed meanwhile would resolve, as
 * an ID prefix, to another one. The daemon prefers an endpoint's `NetworkID`
 * to its key at that point, so the ID checked is written there (the key and
 * `NetworkMode` stay as the client wrote them: the daemon matches them
 * against each other). A `NetworkID` the client gave is replaced by the full
 * ID it resolved to. A `NetworkMode` network without endpoint settings gets
 * the one endpoint it would have had, with the ID.
 */
function withNetworkId(body: Record<string, unknown>, field: string, ref: string, id: string): void {
  const object = (value: unknown): Record<string, unknown> | undefined =>
    value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  const settingsAt = (holder: Record<string, unknown>, key: string): Record<string, unknown> => {
    const settings = object(holder[key]) ?? {};
    holder[key] = settings;
    return settings;
  };
  if (field === 'EndpointConfig') {
    const settings = settingsAt(body, 'EndpointConfig');
    if (typeof settings.NetworkID !== 'string' || settings.NetworkID === '') settings.NetworkID = id;
    return;
  }
  const given = field === 'EndpointConfig.NetworkID' ? ['EndpointConfig'] : /^NetworkingConfig\.EndpointsConfig\.(.+)\.NetworkID$/.exec(field);
  if (given) {
    // (An endpoint key may hold dots: it is taken whole, not split as a path.)
    const settings = given.length === 1 ? object(body.EndpointConfig) : object(object(object(body.NetworkingConfig)?.EndpointsConfig)?.[given[1]]);
    if (settings && settings.NetworkID === ref) settings.NetworkID = id;
    return;
  }
  const endpoint = /^NetworkingConfig\.EndpointsConfig\.(.+)$/.exec(field);
  if (endpoint) {
    const endpoints = object(object(body.NetworkingConfig)?.EndpointsConfig);
    if (!endpoints || !(endpoint[1] in endpoints)) return;
    const settings = settingsAt(endpoints, endpoint[1]);
    if (typeof settings.NetworkID !== 'string' || settings.NetworkID === '') settings.NetworkID = id;
    return;
  }
  if (field === 'HostConfig.NetworkMode') {
    const networking = object(body.NetworkingConfig) ?? {};
    const endpoints = object(networking.EndpointsConfig) ?? {};
    // Endpoints of its own (the key for this network among them) are pinned by their own references.
    if (Object.keys(endpoints).length > 0) return;
    body.NetworkingConfig = { ...networking, EndpointsConfig: { [ref]: { NetworkID: id } } };
  }
}

/** Names `id` at a body field in place of `ref`, keeping what the field says around it (a mode, an alias). */
function withBodyValue(body: Record<string, unknown>, field: string, ref: string, id: string): void {
  const at = bodyLocation(body, field);
  if (!at) return;
  const value = at.holder[at.key];
  if (typeof value !== 'string') return;
  at.holder[at.key] = pinnedValue(field, value, ref, id);
}

/** A body field's value with the reference it makes replaced by `id`. */
export function pinnedValue(field: string, value: string, ref: string, id: string): string {
  if (/\.VolumesFrom\[\d+\]$/.test(field)) {
    // `name[:mode]`: the daemon splits at the first colon.
    const colon = value.indexOf(':');
    return colon === -1 ? id : `${id}${value.slice(colon)}`;
  }
  if (/\.Links\[\d+\]$/.test(field)) {
    // `name[:alias]`: without an alias the daemon uses the name, which the ID must not replace.
    const colon = value.indexOf(':');
    const alias = colon === -1 ? value.replace(/^\//, '') : value.slice(colon + 1);
    return `${id}:${alias}`;
  }
  if (value === `container:${ref}`) return `container:${id}`;
  return value === ref ? id : value;
}

function bodyLocation(body: Record<string, unknown>, field: string): { holder: Record<string | number, unknown>; key: string | number } | undefined {
  const endpoint = /^NetworkingConfig\.EndpointsConfig\.(.+)\.Links\[(\d+)\]$/.exec(field);
  const path: Array<string | number> = endpoint
    ? ['NetworkingConfig', 'EndpointsConfig', endpoint[1], 'Links', Number(endpoint[2])]
    : field.split(/\.|\[(\d+)\]/).filter((part) => part !== undefined && part !== '').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  let holder: unknown = body;
  for (const step of path.slice(0, -1)) {
    if (holder === null || typeof holder !== 'object') return undefined;
    holder = (holder as Record<string | number, unknown>)[step];
  }
  if (holder === null || typeof holder !== 'object') return undefined;
  return { holder: holder as Record<string | number, unknown>, key: path[path.length - 1] };
}
