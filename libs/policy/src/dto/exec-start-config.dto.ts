import { DockerBool, DockerUintPair } from './docker-validation.decorators';

/** The body of `POST /exec/{id}/start` (spec `ExecStartConfig`). */
export class ExecStartConfigDto {
  @DockerBool() Detach?: boolean | null;
  @DockerBool() Tty?: boolean | null;
  @DockerUintPair() ConsoleSize?: [number, number] | null; // 1.42+
}
