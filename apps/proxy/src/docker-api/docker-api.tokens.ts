export const DOCKER_API_OPTIONS = 'DOCKER_API_OPTIONS';

export interface DockerApiOptions {
  readonly maxJsonBodyBytes: number;
  /** How long a body may stop arriving while the proxy reads it (JSON bodies: the whole body). */
  readonly bodyTimeoutMs: number;
  /** How often a half-closed hijacked client connection is checked for a reset (not a setting: tests shorten it). */
  readonly halfClosedProbeMs?: number;
}
