import { DockerInt, DockerStringList } from './docker-validation.decorators';

/** A container's `Healthcheck` (Go `container.HealthConfig`). Durations are in nanoseconds. */
export class HealthConfigDto {
  @DockerStringList() Test?: string[] | null;
  @DockerInt() Interval?: number | null;
  @DockerInt() Timeout?: number | null;
  @DockerInt() Retries?: number | null;
  @DockerInt() StartPeriod?: number | null; // 1.29+
  @DockerInt() StartInterval?: number | null; // 1.44+
}
