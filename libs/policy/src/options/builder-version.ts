import { PolicyOptions } from './policy-options';

/**
 * The `Builder-Version` header of `GET/HEAD /_ping` as the client should see it.
 *
 * Clients that read it to pick a builder when DOCKER_BUILDKIT is unset (the
 * 20.10 CLI: `2`, what dockerd 23+ sends, means BuildKit) would otherwise try
 * a BuildKit build the policy refuses. With BuildKit off, `1` keeps them on
 * the classic builder. (Docker 23+ CLIs do not read it: with buildx installed
 * they always hand `docker build` to buildx.) `undefined` leaves the daemon's
 * header, or its absence, as it is.
 */
export function advertisedBuilderVersion(options: Pick<PolicyOptions, 'buildkitSessions'>): '1' | undefined {
  return options.buildkitSessions ? undefined : '1';
}
