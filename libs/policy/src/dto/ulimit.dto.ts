import { DockerInt, DockerString } from './docker-validation.decorators';

/** An entry of `Ulimits`. */
export class UlimitDto {
  @DockerString() Name?: string | null;
  @DockerInt() Soft?: number | null;
  @DockerInt() Hard?: number | null;
}
