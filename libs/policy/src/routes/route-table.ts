import { BodyKindName } from './body-kind';

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
  pass('GET', '/events', { longLived: true }),
  pass('GET', '/system/df', { longLived: true }),
  validated('POST', '/auth', 'auth', 'json', { longLived: true }),

  // Containers
  pass('GET', '/containers/json'),
  validated('POST', '/containers/create', 'containerCreate', 'json'),
  pass('POST', '/containers/prune', { longLived: true }),
  pass('GET', '/containers/{id}/json'),
  pass('GET', '/containers/{id}/top'),
  pass('GET', '/containers/{id}/logs', { longLived: true }),
  pass('GET', '/containers/{id}/changes'),
  pass('GET', '/containers/{id}/export', { longLived: true }),
  pass('GET', '/containers/{id}/stats', { longLived: true }),
  pass('POST', '/containers/{id}/resize'),
  // Before API 1.24 a start body carried a HostConfig; we still validate any body.
  validated('POST', '/containers/{id}/start', 'containerStart', 'json'),
  pass('POST', '/containers/{id}/stop', { longLived: true }),
  pass('POST', '/containers/{id}/restart', { longLived: true }),
  pass('POST', '/containers/{id}/kill'),
  validated('POST', '/containers/{id}/update', 'containerUpdate', 'json'),
  pass('POST', '/containers/{id}/rename'),
  pass('POST', '/containers/{id}/pause'),
  pass('POST', '/containers/{id}/unpause'),
  pass('POST', '/containers/{id}/attach', { hijack: 'tcp', longLived: true }),
  pass('GET', '/containers/{id}/attach/ws', { hijack: 'websocket', longLived: true }),
  pass('POST', '/containers/{id}/wait', { longLived: true }),
  pass('DELETE', '/containers/{id}'),
  pass('HEAD', '/containers/{id}/archive'),
  pass('GET', '/containers/{id}/archive', { longLived: true }),
  // Extracted by the daemon inside the container's root; the daemon resolves
  // symlinks within that root.
  pass('PUT', '/containers/{id}/archive', { longLived: true, bodyMediaTypes: CLI_RAW_BODY }),
  validated('POST', '/containers/{id}/exec', 'execCreate', 'json'),

  // Exec
  validated('POST', '/exec/{id}/start', 'execStart', 'json', { hijack: 'tcp', longLived: true }),
  pass('POST', '/exec/{id}/resize'),
  pass('GET', '/exec/{id}/json'),

  // Images
  pass('GET', '/images/json'),
  // Pull (fromImage) dials a registry; import (fromSrc) fetches a URL or reads the body.
  validated('POST', '/images/create', 'imageCreate', 'stream', { longLived: true, bodyMediaTypes: [...CLI_RAW_BODY, 'application/json'] }),
  pass('GET', '/images/{name}/json'),
  pass('GET', '/images/{name}/history'),
  validated('POST', '/images/{name}/push', 'imagePush', 'stream', { longLived: true }),
  pass('POST', '/images/{name}/tag'),
  pass('DELETE', '/images/{name}'),
  validated('GET', '/images/search', 'imageSearch', 'stream', { longLived: true }),
  pass('POST', '/images/prune', { longLived: true }),
  pass('GET', '/images/{name}/get', { longLived: true }),
  pass('GET', '/images/get', { longLived: true }),
  pass('POST', '/images/load', { longLived: true, bodyMediaTypes: TAR_BODY }),
  validated('POST', '/commit', 'commit', 'json', { longLived: true }),
  validated('POST', '/build', 'build', 'stream', {
    // Read by the daemon's legacy builder although the spec does not list them.
    extraQuery: ['cgroupparent', 'cpusetmems', 'isolation', 'ulimits', 'session', 'buildid', 'securityopt'],
    longLived: true,
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
  pass('GET', '/networks'),
  pass('GET', '/networks/{id}'),
  pass('DELETE', '/networks/{id}'),
  validated('POST', '/networks/create', 'networkCreate', 'json'),
  validated('POST', '/networks/{id}/connect', 'networkConnect', 'json'),
  pass('POST', '/networks/{id}/disconnect'),
  pass('POST', '/networks/prune', { longLived: true }),

  // Volumes
  pass('GET', '/volumes'),
  validated('POST', '/volumes/create', 'volumeCreate', 'json'),
  pass('GET', '/volumes/{name}'),
  denied('PUT', '/volumes/{name}', `cluster volumes need ${SWARM}`),
  pass('DELETE', '/volumes/{name}'),
  pass('POST', '/volumes/prune', { longLived: true }),

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
