export const DOCKER_POLICY = 'DOCKER_POLICY';
export const DOCKER_API_OPTIONS = 'DOCKER_API_OPTIONS';

export interface DockerApiOptions {
  readonly maxJsonBodyBytes: number;
  readonly upstreamMaxSockets: number;
}
