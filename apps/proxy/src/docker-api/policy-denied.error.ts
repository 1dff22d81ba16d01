import { PolicyDenial, RouteRow } from '@dind/policy';

/** A request the policy refused; rendered (and recorded) once, by DockerErrorFilter. */
export class PolicyDeniedError extends Error {
  constructor(
    readonly denial: PolicyDenial,
    readonly route?: RouteRow,
    readonly apiVersion?: string,
  ) {
    super(denial.reason);
  }
}

/** The daemon could not be reached; rendered as 502/503 with a Docker-style body. */
export class DaemonUnavailableError extends Error {
  constructor(
    readonly status: 502 | 503,
    message: string,
  ) {
    super(message);
  }
}
