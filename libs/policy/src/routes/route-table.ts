import { BodyKindName } from './body-kind';
import type { OwnedKind } from '../ownership/owned-object';
import type { OwnerView } from '../ownership/owner-view';

/**
 * - passthrough: cannot grant privilege; streamed to the daemon as is (after path
 *   and query checks).
 * - validated: the body or query can grant privilege; handed to a validator.
 * - denied: cannot be made safe (or is not needed); never reaches the daemon.
 */
export type RouteClass = 'passthrough' | 'validated' | 'denied';

/**
 * How the proxy treats the request body:
 * - json: read whole (size-limited), parsed strictly, validated, re-serialised.
 * - stream: streamed untouched (tar archives, image tarballs, build contexts, and
 *   the bodies some clients send to routes whose handler never reads one).
 */
export type BodyHandling = 'json' | 'stream';

export interface RouteRow {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** Path template as the Docker API spec spells it. */
  readonly template: string;
  readonly class: RouteClass;
  readonly body: BodyHandling;
  /** Validated routes: which validator decides (body DTO and/or query rules). */
  readonly validator?: BodyKindName | QueryValidatorName;
  /** The connection is hijacked after the response head (raw stream or websocket). */
  readonly hijack?: 'tcp' | 'websocket';
  /** Denied routes: why, in words a user understands. */
  readonly reason?: string;
  /** Query parameters the daemon reads that the spec does not document. */
  readonly extraQuery?: readonly string[];
  /** The proxy rewrites the response to clamp the advertised API version. */
  readonly clampResponse?: 'ping-header' | 'version-body';
  /**
   * The daemon may hold the request open for as long as the client, a container
   * or a registry wants (follow streams, transfers, builds, waits, registry
   * dials): it gets a daemon connection of its own, never a pooled one.
   */
  readonly longLived?: true;
  /**
   * Routes whose handler reads the streamed body: the Content-Type media types
   * (lower case, parameters ignored; '' for none) that real clients send with it.
   * Any other type is refused, so a body reaches the daemon only as what its
   * route expects (see `channels/request-channels.ts`).
   */
  readonly bodyMediaTypes?: readonly string[];
  /**
   * Ownership mode: the object the request acts on (the path's `{id}`/`{name}`,
   * or a query parameter), inspected on the daemon and compared with the
   * requester before forwarding.
   */
  readonly owns?: {
    readonly kind: OwnedKind;
    readonly at: 'path' | 'query.container' | 'query.names';
    /** A shared object (a predefined network) is not enough: the request also acts on something it does not name where the proxy reads it. */
    readonly mustOwn?: true;
    /** Why, said to the client when the object is shared. */
    readonly sharedReason?: string;
  };
  /**
   * Ownership mode: how a list is narrowed to the requester's objects: its
   * `filters` get the owner label, or the proxy filters the daemon's answer.
   */
  readonly ownerList?: 'filters' | OwnerView;
  /**
   * Ownership mode: image names the request (re)points at its result, from
   * these query parameters (`repo`+`tag`, `fromImage`+`tag`, or each `t`).
   * Names are global on a daemon: a name that holds another client's image
   * may not be taken from it.
   */
  readonly namesImage?: ReadonlyArray<'repo' | 'fromImage' | 't'>;
}

export type QueryValidatorName = 'build' | 'buildkit' | 'imageCreate' | 'imageSearch' | 'imagePush' | 'distribution';

// Who sends what (the daemon itself does not look): the docker CLI sends
// application/x-tar to build and load, text/plain (20.10) or nothing (28.x) to
// import and `docker cp`; docker-py sends application/tar or nothing; dockerode
// sends application/tar with a file and application/json with a pull's options.
const TAR_BODY = ['', 'application/x-tar', 'application/tar'];
const CLI_RAW_BODY = [...TAR_BODY, 'text/plain'];

const SWARM = 'swarm mode is not offered by dind-service (it would let clients run services outside this policy)';
const PLUGIN = 'plugins run with host privileges chosen by the plugin author';

const pass = (method: RouteRow['method'], template: string, extra: Partial<RouteRow> = {}): RouteRow => ({
  method,
  template,
  class: 'passthrough',
  body: 'stream',
  ...extra,
});
const validated = (
  method: RouteRow['method'],
  template: string,
  validator: RouteRow['validator'],
  body: BodyHandling,
  extra: Partial<RouteRow> = {},
): RouteRow => ({ method, template, class: 'validated', validator, body, ...extra });
// Ownership mode: the path names an object of this kind.
const of = (kind: OwnedKind): Partial<RouteRow> => ({ owns: { kind, at: 'path' } });
const FILTERED: Partial<RouteRow> = { ownerList: 'filters' };

const denied = (method: RouteRow['method'], template: string, reason: string): RouteRow => ({
  method,
  template,
  class: 'denied',
  body: 'stream',
  reason,
});

/**
 * Every endpoint of Docker Engine API 1.24–1.52, classified. A route that is not
 * here is refused (default deny); `route-table.spec.ts` pins that every route of
 * the audited specs is here exactly once.
 */
export const ROUTE_TABLE: readonly RouteRow[] = [
  // System
  pass('GET', '/_ping', { clampResponse: 'ping-header' }),
  pass('HEAD', '/_ping', { clampResponse: 'ping-header' }),
  pass('GET', '/version', { clampResponse: 'version-body' }),
  pass('GET', '/info'),
  pass('GET', '/events', { longLived: true, ...FILTERED }),
  pass('GET', '/system/df', { longLived: true, ownerList: 'system-df' }),
  validated('POST', '/auth', 'auth', 'json', { longLived: true }),

  // Containers
  pass('GET', '/containers/json', FILTERED),
  validated('POST', '/containers/create', 'containerCreate', 'json'),
  pass('POST', '/containers/prune', { longLived: true, ...FILTERED }),
  pass('GET', '/containers/{id}/json', of('container')),
  pass('GET', '/containers/{id}/top', of('container')),
  pass('GET', '/containers/{id}/logs', { longLived: true, ...of('container') }),
  pass('GET', '/containers/{id}/changes', of('container')),
  pass('GET', '/containers/{id}/export', { longLived: true, ...of('container') }),
  pass('GET', '/containers/{id}/stats', { longLived: true, ...of('container') }),
  pass('POST', '/containers/{id}/resize', of('container')),
  // Before API 1.24 a start body carried a HostConfig; we still validate any body.
  validated('POST', '/containers/{id}/start', 'containerStart', 'json', of('container')),
  pass('POST', '/containers/{id}/stop', { longLived: true, ...of('container') }),
  pass('POST', '/containers/{id}/restart', { longLived: true, ...of('container') }),
  pass('POST', '/containers/{id}/kill', of('container')),
  validated('POST', '/containers/{id}/update', 'containerUpdate', 'json', of('container')),
  pass('POST', '/containers/{id}/rename', of('container')),
  pass('POST', '/containers/{id}/pause', of('container')),
  pass('POST', '/containers/{id}/unpause', of('container')),
  pass('POST', '/containers/{id}/attach', { hijack: 'tcp', longLived: true, ...of('container') }),
  pass('GET', '/containers/{id}/attach/ws', { hijack: 'websocket', longLived: true, ...of('container') }),
  pass('POST', '/containers/{id}/wait', { longLived: true, ...of('container') }),
  pass('DELETE', '/containers/{id}', of('container')),
  pass('HEAD', '/containers/{id}/archive', of('container')),
  pass('GET', '/containers/{id}/archive', { longLived: true, ...of('container') }),
  // Extracted by the daemon inside the container's root; the daemon resolves
  // symlinks within that root.
  pass('PUT', '/containers/{id}/archive', { longLived: true, bodyMediaTypes: CLI_RAW_BODY, ...of('container') }),
  validated('POST', '/containers/{id}/exec', 'execCreate', 'json', of('container')),

  // Exec
  validated('POST', '/exec/{id}/start', 'execStart', 'json', { hijack: 'tcp', longLived: true, ...of('exec') }),
  pass('POST', '/exec/{id}/resize', of('exec')),
  pass('GET', '/exec/{id}/json', of('exec')),

  // Images
  pass('GET', '/images/json', { ownerList: 'images' }),
  // Pull (fromImage) dials a registry; import (fromSrc) fetches a URL or reads the body.
  validated('POST', '/images/create', 'imageCreate', 'stream', { longLived: true, bodyMediaTypes: [...CLI_RAW_BODY, 'application/json'], namesImage: ['repo', 'fromImage'] }),
  pass('GET', '/images/{name}/json', of('image')),
  pass('GET', '/images/{name}/history', of('image')),
  validated('POST', '/images/{name}/push', 'imagePush', 'stream', { longLived: true, ...of('image') }),
  // A shared image is named by pulls only: a name a client gives it is one another client may run (`python:3.12`).
  pass('POST', '/images/{name}/tag', {
    owns: { kind: 'image', at: 'path', mustOwn: true, sharedReason: 'a shared image is named by pulls only (another client could run the name you give it); build FROM it to make an image of your own' },
    namesImage: ['repo'],
  }),
  pass('DELETE', '/images/{name}', of('image')),
  validated('GET', '/images/search', 'imageSearch', 'stream', { longLived: true }),
  pass('POST', '/images/prune', { longLived: true, ...FILTERED }),
  pass('GET', '/images/{name}/get', { longLived: true, ...of('image') }),
  pass('GET', '/images/get', { longLived: true, owns: { kind: 'image', at: 'query.names' } }),
  pass('POST', '/images/load', { longLived: true, bodyMediaTypes: TAR_BODY }),
  validated('POST', '/commit', 'commit', 'json', { longLived: true, owns: { kind: 'container', at: 'query.container' }, namesImage: ['repo'] }),
  validated('POST', '/build', 'build', 'stream', {
    // Read by the daemon's legacy builder although the spec does not list them.
    extraQuery: ['cgroupparent', 'cpusetmems', 'isolation', 'ulimits', 'session', 'buildid', 'securityopt'],
    longLived: true,
    namesImage: ['t'],
    bodyMediaTypes: TAR_BODY,
  }),
  pass('POST', '/build/prune', { longLived: true }),
  // BuildKit: an h2c upgrade carrying the client's session (context, secrets,
  // auth), and buildx's way to BuildKit's control API. Refused when the
  // buildkitSessions option is off (what /grpc carries is not read here; it
  // is bounded where the daemon acts: see PolicyOptions.buildkitSessions).
  validated('POST', '/session', 'buildkit', 'stream', { hijack: 'tcp', longLived: true }),
  validated('POST', '/grpc', 'buildkit', 'stream', { hijack: 'tcp', longLived: true }),
  validated('GET', '/distribution/{name}/json', 'distribution', 'stream', { longLived: true }),

  // Networks
  pass('GET', '/networks', { ownerList: 'networks' }),
  pass('GET', '/networks/{id}', { ...of('network'), ownerList: 'network' }),
  pass('DELETE', '/networks/{id}', of('network')),
  validated('POST', '/networks/create', 'networkCreate', 'json'),
  validated('POST', '/networks/{id}/connect', 'networkConnect', 'json', of('network')),
  // The body names the container, which is not read here: disconnecting
  // another client's container from a shared network is refused by refusing
  // the shared networks.
  pass('POST', '/networks/{id}/disconnect', { owns: { kind: 'network', at: 'path', mustOwn: true } }),
  pass('POST', '/networks/prune', { longLived: true, ...FILTERED }),

  // Volumes
  pass('GET', '/volumes', FILTERED),
  validated('POST', '/volumes/create', 'volumeCreate', 'json'),
  pass('GET', '/volumes/{name}', of('volume')),
  denied('PUT', '/volumes/{name}', `cluster volumes need ${SWARM}`),
  pass('DELETE', '/volumes/{name}', of('volume')),
  pass('POST', '/volumes/prune', { longLived: true, ...FILTERED }),

  // Plugins: reading the list is harmless; everything that changes plugins is not.
  pass('GET', '/plugins'),
  pass('GET', '/plugins/{name}/json'),
  denied('GET', '/plugins/privileges', PLUGIN),
  denied('POST', '/plugins/pull', PLUGIN),
  denied('DELETE', '/plugins/{name}', PLUGIN),
  denied('POST', '/plugins/{name}/enable', PLUGIN),
  denied('POST', '/plugins/{name}/disable', PLUGIN),
  denied('POST', '/plugins/{name}/upgrade', PLUGIN),
  denied('POST', '/plugins/create', PLUGIN),
  denied('POST', '/plugins/{name}/push', PLUGIN),
  denied('POST', '/plugins/{name}/set', PLUGIN),

  // Swarm and everything that exists only in swarm mode.
  ...(
    [
      ['GET', '/swarm'],
      ['POST', '/swarm/init'],
      ['POST', '/swarm/join'],
      ['POST', '/swarm/leave'],
      ['POST', '/swarm/update'],
      ['GET', '/swarm/unlockkey'],
      ['POST', '/swarm/unlock'],
      ['GET', '/nodes'],
      ['GET', '/nodes/{id}'],
      ['DELETE', '/nodes/{id}'],
      ['POST', '/nodes/{id}/update'],
      ['GET', '/services'],
      ['POST', '/services/create'],
      ['GET', '/services/{id}'],
      ['DELETE', '/services/{id}'],
      ['POST', '/services/{id}/update'],
      ['GET', '/services/{id}/logs'],
      ['GET', '/tasks'],
      ['GET', '/tasks/{id}'],
      ['GET', '/tasks/{id}/logs'],
      ['GET', '/secrets'],
      ['POST', '/secrets/create'],
      ['GET', '/secrets/{id}'],
      ['DELETE', '/secrets/{id}'],
      ['POST', '/secrets/{id}/update'],
      ['GET', '/configs'],
      ['POST', '/configs/create'],
      ['GET', '/configs/{id}'],
      ['DELETE', '/configs/{id}'],
      ['POST', '/configs/{id}/update'],
    ] as const
  ).map(([method, template]) => denied(method, template, SWARM)),
];
