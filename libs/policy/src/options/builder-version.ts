import { PolicyOptions } from './policy-options';

/**
 * The `Builder-Version` header of `GET/HEAD /_ping` as the client should see it.
 *
 * Docker 23+ CLIs with buildx read it to pick a builder when DOCKER_BUILDKIT is
 * unset: `2` (what dockerd 23+ sends) means BuildKit through buildx, `1` the
 * classic builder. With BuildKit refused, `/grpc` is refused too, buildx finds
 * no docker driver and falls back to docker-container, which pulls
 * moby/buildkit and runs it as a container: a build that fails far from the
 * reason. Saying `1` keeps `docker build` on the classic builder instead.
 * `undefined` leaves the daemon's header (or its absence) as it is.
 */
export function advertisedBuilderVersion(options: Pick<PolicyOptions, 'buildkitSessions'>): '1' | undefined {
  return options.buildkitSessions ? undefined : '1';
}
