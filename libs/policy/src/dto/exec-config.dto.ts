import { DockerBool, DockerString, DockerStringList, DockerUintPair } from './docker-validation.decorators';

/** The body of `POST /containers/{id}/exec` (spec `ExecConfig`). */
export class ExecConfigDto {
  @DockerBool() AttachStdin?: boolean | null;
  @DockerBool() AttachStdout?: boolean | null;
  @DockerBool() AttachStderr?: boolean | null;
  @DockerUintPair() ConsoleSize?: [number, number] | null; // 1.42+
  @DockerString() DetachKeys?: string | null;
  @DockerBool() Tty?: boolean | null;
  @DockerStringList() Env?: string[] | null; // 1.25+
  @DockerStringList() Cmd?: string[] | null;
  @DockerBool() Privileged?: boolean | null;
  @DockerString() User?: string | null;
  @DockerString() WorkingDir?: string | null; // 1.35+
  // Not in any spec, but a field of the daemon's ExecOptions that the docker
  // CLI (20.10 to 28.x) sends in every exec create, as false.
  @DockerBool() Detach?: boolean | null;
}
