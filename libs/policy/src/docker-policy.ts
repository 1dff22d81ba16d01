import {
  AUDITED_MAX_API_VERSION,
  AUDITED_MIN_API_VERSION,
  apiMinor,
  clampToAudited,
  isAuditedApiVersion,
} from './api-version';
import { bodyMapPaths } from './dto/map-paths';
import { checkRequestChannels } from './channels/request-channels';
import { JsonPath, parseStrictJson, StrictJsonError } from './json/strict-json.parser';
import { PolicyDenial, deny } from './policy-denial';
import { forwardsInDryRun } from './dry-run';
import { HeaderValue, PolicyDecision, PolicyRequest } from './policy-request';
import { parseRequestTarget, RequestTarget } from './routes/request-target.parser';
import { knownQueryParameters, repeatableQueryParameters } from './routes/route-query';
import { RouteMatch, RouteMatcher } from './routes/route-matcher';
import { RouteRow } from './routes/route-table';
import { PolicyOptions, RESTRICTED } from './options/policy-options';
import { checkContainerCount, ContainerCountCheck, containerCountCheckOf } from './rules/container-count';
import { checkReferencedContainer, ContainerReference } from './rules/container-reference';
import type { DialTarget } from './rules/dial-target';
import { checkReferencedNetwork, NetworkReference } from './rules/network-reference';
import { checkReferencedVolume, VolumeReference } from './rules/volume-reference';
import { RuleContext } from './rules/field-rule';
import { checkOwnedObject, OwnedObject } from './ownership/owned-object';
import { ownedRequest } from './ownership/owned-request';
import type { OwnerView } from './ownership/owner-view';
import { BuildContextReading, ValidationInput, Validator } from './validators/validation-input';
import { VALIDATORS } from './validators';

export interface DockerPolicyOptions {
  /** The daemon's own API version; unversioned requests are forwarded at min(this, audited max). */
  readonly daemonApiVersion: () => string;
  /** The named loosenings in force; "restricted" when not given. */
  readonly policy?: PolicyOptions;
  /** Resolves a host path as a bind would (symlinks followed); only consulted for allowed host bind prefixes. */
  readonly resolveHostPath?: (path: string) => string | undefined;
  /** IDs of the daemon's host-driver networks, as last read from the daemon. */
  readonly hostNetworkIds?: () => readonly string[];
  /** Whether a host directory has mounts beneath it; only consulted for read-only host bind prefixes. */
  readonly hasMountsBelow?: (path: string) => boolean;
}

export interface ResolvedRoute {
  readonly method: string;
  readonly url: string;
  readonly target: RequestTarget;
  readonly match: RouteMatch;
  readonly apiVersion: string;
}

/**
 * The one decision function: the HTTP path and the hijack (upgrade) path both
 * call it, so no door is checked on one path and open on the other.
 */
export class DockerPolicy {
  private readonly matcher = new RouteMatcher();
  private readonly context: Omit<RuleContext, 'apiMinor'>;

  constructor(
    private readonly options: DockerPolicyOptions,
    private readonly validators: Readonly<Record<string, Validator>> = VALIDATORS,
  ) {
    this.context = {
      options: options.policy ?? RESTRICTED,
      resolveHostPath: options.resolveHostPath ?? ((path) => path),
      hostNetworkIds: options.hostNetworkIds ?? (() => []),
      hasMountsBelow: options.hasMountsBelow,
    };
  }

  get policyOptions(): PolicyOptions {
    return this.context.options;
  }

  /** Whether a container the request borrows from (as the daemon's inspect reports it) satisfies the policy. */
  checkReferencedContainer(reference: ContainerReference, inspected: unknown): PolicyDenial | undefined {
    return (
      checkReferencedContainer(reference, inspected, { ...this.context, apiMinor: apiMinor(AUDITED_MAX_API_VERSION)! }) ??
      ownedReference('container', reference, reference.ref, inspected)
    );
  }

  /** Whether a named volume a request mounts (as the daemon's `GET /volumes/{name}` reports it) satisfies the policy. */
  checkReferencedVolume(reference: VolumeReference, inspected: unknown): PolicyDenial | undefined {
    return (
      checkReferencedVolume(reference, inspected, { ...this.context, apiMinor: apiMinor(AUDITED_MAX_API_VERSION)! }) ??
      ownedReference('volume', reference, reference.name, inspected)
    );
  }

  /** Whether the network a reference resolves to (the daemon's `GET /networks/{ref}` answer) may be joined. */
  checkReferencedNetwork(reference: NetworkReference, inspected: unknown): PolicyDenial | undefined {
    return (
      checkReferencedNetwork(reference, inspected, { ...this.context, apiMinor: apiMinor(AUDITED_MAX_API_VERSION)! }) ??
      ownedReference('network', reference, reference.ref, inspected)
    );
  }

  /** Ownership mode: whether the requester may act on an object (the daemon's inspect of it). */
  checkOwnedObject(object: OwnedObject, inspected: unknown): PolicyDenial | undefined {
    return checkOwnedObject(object, inspected);
  }

  /** Whether the daemon's containers (its `GET /containers/json?all=1` answer) leave room for what the request adds. */
  checkContainerCount(check: ContainerCountCheck, listed: unknown): PolicyDenial | undefined {
    return checkContainerCount(check, listed, this.context.options.resources);
  }

  /** Which route a request targets, before its body is read; or why it is refused. */
  resolve(method: string, url: string): ResolvedRoute | PolicyDenial {
    const target = parseRequestTarget(url);
    if ('rule' in target) return target;
    if (target.version !== undefined && !isAuditedApiVersion(target.version)) {
      return deny(
        'api-version.unaudited',
        `API version ${target.version} is outside the audited range ${AUDITED_MIN_API_VERSION}–${AUDITED_MAX_API_VERSION}`,
        'path',
        url,
      );
    }
    const matches = this.matcher.match(method, target.segments);
    const path = `/${target.segments.join('/')}`;
    if (matches.length === 0) {
      return deny('route.unknown', 'this endpoint is not part of the audited Docker API', `${method} ${path}`);
    }
    if (matches.length > 1) {
      return deny('request.path', 'the path matches more than one endpoint', `${method} ${path}`);
    }
    const apiVersion = target.version ?? clampToAudited(this.options.daemonApiVersion());
    return { method, url, target, match: matches[0], apiVersion };
  }

  /**
   * `resolved` is what `resolve` answered for this same request (the transport
   * needs it first to know whether to read the body); it is reused only when it
   * was made for this method and target, so the path is parsed once.
   */
  decide(request: PolicyRequest, earlier?: ResolvedRoute): PolicyDecision {
    const reusable = earlier && earlier.method === request.method && earlier.url === request.url;
    const resolved = reusable ? earlier : this.resolve(request.method, request.url);
    if ('rule' in resolved) return { allowed: false, denial: resolved };
    const { match, apiVersion, target } = resolved;
    const route = match.row;
    const refuse = (denial: PolicyDenial): PolicyDecision => ({ allowed: false, route, apiVersion, denial });

    if (route.class === 'denied') {
      return refuse(deny('route.denied', route.reason ?? 'this endpoint is disabled', `${route.method} ${route.template}`));
    }
    const channels = checkRequestChannels(route, request.headers);
    if (channels) return refuse(channels);
    const checked = checkQuery(route, target.query);
    if ('rule' in checked) return refuse(checked);
    const { query } = checked;
    let kept: ReadonlyArray<readonly [string, string]> = checked.kept;

    // Ownership mode: what the request acts on, and how its lists are narrowed.
    const { ownership } = this.context.options;
    const owner = ownership ? request.client : undefined;
    if (ownership && !owner) return refuse(deny('policy.identity', 'ownership mode needs the client identity, which the transport did not give'));
    let ownedObjects: readonly OwnedObject[] = [];
    let ownerView: { readonly view: OwnerView; readonly owner: string } | undefined;
    let imageLoad: { readonly owner: string } | undefined;
    if (owner) {
      const owned = ownedRequest(route, match.params, query, kept, owner);
      if ('rule' in owned) return refuse(owned);
      ({ kept, ownedObjects, ownerView, imageLoad } = owned);
    }

    let body: unknown;
    if (route.body === 'json') {
      const parsed = parseJsonBody(request.headers, request.body, bodyMapPaths(route.validator));
      if (parsed && 'rule' in parsed) return refuse(parsed);
      body = parsed?.value;
    }

    let forwardBody: Buffer | undefined;
    let wouldDeny: PolicyDenial | undefined;
    let containerReferences: readonly ContainerReference[] | undefined;
    let dialTargets: readonly DialTarget[] | undefined;
    let volumeReferences: readonly VolumeReference[] | undefined;
    let networkReferences: readonly NetworkReference[] | undefined;
    let droppedFields: readonly string[] | undefined;
    let buildContext: BuildContextReading | undefined;
    if (route.class === 'validated') {
      const validator = route.validator && this.validators[route.validator];
      if (!validator) return refuse(deny('policy.missing', 'no validator is configured for this endpoint'));
      const input: ValidationInput = {
        route,
        apiVersion,
        apiMinor: apiMinor(apiVersion)!,
        params: match.params,
        query,
        headers: request.headers,
        body,
        context: { ...this.context, apiMinor: apiMinor(apiVersion)! },
        ...(owner ? { owner } : {}),
      };
      const outcome = validator(input);
      if (outcome.denial) {
        const forwardable = route.body !== 'json' || outcome.body !== undefined || body === undefined;
        if (!forwardable || !forwardsInDryRun(this.context.options, outcome.denial)) return refuse(outcome.denial);
        wouldDeny = outcome.denial;
      }
      if (outcome.body !== undefined) forwardBody = Buffer.from(JSON.stringify(outcome.body));
      // The references a body makes must be the requester's too (ownership mode).
      const owned = <T>(references: readonly T[] | undefined) => (owner && references ? references.map((reference) => ({ ...reference, owner })) : references);
      containerReferences = owned(outcome.containerReferences);
      dialTargets = outcome.dialTargets;
      volumeReferences = owned(outcome.volumeReferences);
      networkReferences = owned(outcome.networkReferences);
      if (outcome.ownedObjects) ownedObjects = [...ownedObjects, ...outcome.ownedObjects];
      if (outcome.queryOverrides) kept = withOverrides(kept, outcome.queryOverrides);
      droppedFields = outcome.droppedFields;
      buildContext = outcome.buildContext;
    } else if (body !== undefined) {
      forwardBody = Buffer.from(JSON.stringify(body));
    }
    // (A literal null body is no body to the daemon's decoder; nothing is sent.)
    if (route.body === 'json' && forwardBody === undefined && body !== undefined && body !== null) {
      // A validator that accepted a body must say what to forward; never the client's bytes.
      return refuse(deny('policy.missing', 'the validator did not produce a canonical body'));
    }
    return {
      allowed: true,
      route,
      apiVersion,
      params: match.params,
      upstreamUrl: `/v${apiVersion}/${target.segments.join('/')}${encodeQuery(kept)}`,
      body: forwardBody,
      ...(droppedFields ? { droppedFields } : {}),
      wouldDeny,
      containerReferences,
      dialTargets,
      volumeReferences,
      networkReferences,
      containerCount: containerCountCheckOf(route, match.params),
      ...(buildContext ? { buildContext } : {}),
      ...(ownedObjects.length > 0 ? { ownedObjects } : {}),
      ...(ownerView ? { ownerView } : {}),
      ...(imageLoad ? { imageLoad } : {}),
    };
  }
}

/**
 * Known parameters are checked (a repeat is refused: Go's Form.Get reads the
 * first value). Unknown ones are dropped, never forwarded: the daemon ignores
 * parameters it does not read, and real clients send them (dockerode repeats the
 * whole create body in the query, docker-py sends `trunc_cmd`), so refusing
 * them would break clients without protecting anything.
 */
function checkQuery(
  route: RouteRow,
  pairs: ReadonlyArray<readonly [string, string]>,
): { readonly query: ReadonlyMap<string, readonly string[]>; readonly kept: Array<readonly [string, string]> } | PolicyDenial {
  const known = knownQueryParameters(route);
  const repeatable = repeatableQueryParameters(route);
  const query = new Map<string, string[]>();
  const kept: Array<readonly [string, string]> = [];
  for (const [key, value] of pairs) {
    if (!known.has(key)) continue;
    const values = query.get(key) ?? [];
    if (values.length > 0 && !repeatable.has(key)) {
      return deny('query.duplicate', 'the parameter may appear only once', `query.${key}`, value);
    }
    values.push(value);
    query.set(key, values);
    kept.push([key, value]);
  }
  return { query, kept };
}

/** Parameters a validator rewrote, each in place of the client's (or added). */
function withOverrides(pairs: ReadonlyArray<readonly [string, string]>, overrides: Readonly<Record<string, string | readonly string[]>>): Array<readonly [string, string]> {
  const replaced = Object.entries(overrides).flatMap(([key, values]) => (typeof values === 'string' ? [values] : values).map((value) => [key, value] as const));
  return [...pairs.filter(([key]) => !(key in overrides)), ...replaced];
}

/**
 * Ownership mode: a container, volume or network a body borrows, mounts or
 * joins must be the requester's (or shared), like one the path names.
 */
function ownedReference(
  kind: 'container' | 'volume' | 'network',
  reference: { readonly field: string; readonly owner?: string },
  ref: string,
  inspected: unknown,
): PolicyDenial | undefined {
  if (reference.owner === undefined) return undefined;
  return checkOwnedObject({ kind, ref, field: reference.field, owner: reference.owner, ifMissing: 'not-found' }, inspected);
}

function encodeQuery(pairs: ReadonlyArray<readonly [string, string]>): string {
  if (pairs.length === 0) return '';
  return `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
}

function headerValue(headers: Readonly<Record<string, HeaderValue>>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

const JSON_MEDIA_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

function parseJsonBody(
  headers: Readonly<Record<string, HeaderValue>>,
  raw: Buffer | undefined,
  isMap: (path: JsonPath) => boolean,
): { value: unknown } | PolicyDenial | undefined {
  const encoding = headerValue(headers, 'content-encoding');
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return deny('body.encoding', 'compressed request bodies are not accepted on validated endpoints', 'Content-Encoding', encoding);
  }
  if (!raw || raw.length === 0) return undefined;
  const contentType = headerValue(headers, 'content-type');
  if (contentType === undefined || !JSON_MEDIA_TYPE.test(contentType.trim())) {
    return deny('body.content-type', 'a body on this endpoint must be application/json', 'Content-Type', contentType ?? null);
  }
  try {
    return { value: parseStrictJson(raw, { isMap }) };
  } catch (error) {
    if (error instanceof StrictJsonError) return deny('body.json', error.reason, error.path);
    throw error;
  }
}
