import { DockerBool, DockerEmptyObjectMap, DockerInt, DockerNested, DockerStrSlice, DockerString, DockerStringList, DockerStringMap } from './docker-validation.decorators';
import { HealthConfigDto } from './health-config.dto';

/**
 * A container's portable configuration (spec `ContainerConfig`): the body of
 * `POST /commit`, and the top level of `POST /containers/create`.
 */
export class ContainerConfigDto {
  @DockerString() Hostname?: string | null;
  @DockerString() Domainname?: string | null;
  @DockerString() User?: string | null;
  @DockerBool() AttachStdin?: boolean | null;
  @DockerBool() AttachStdout?: boolean | null;
  @DockerBool() AttachStderr?: boolean | null;
  @DockerEmptyObjectMap() ExposedPorts?: Record<string, Record<string, never>> | null;
  @DockerBool() Tty?: boolean | null;
  @DockerBool() OpenStdin?: boolean | null;
  @DockerBool() StdinOnce?: boolean | null;
  @DockerStringList() Env?: string[] | null;
  @DockerStrSlice() Cmd?: string | string[] | null;
  @DockerNested(() => HealthConfigDto) Healthcheck?: HealthConfigDto | null;
  @DockerBool() ArgsEscaped?: boolean | null; // Windows
  @DockerString() Image?: string | null;
  @DockerEmptyObjectMap() Volumes?: Record<string, Record<string, never>> | null;
  @DockerString() WorkingDir?: string | null;
  @DockerStrSlice() Entrypoint?: string | string[] | null;
  @DockerBool() NetworkDisabled?: boolean | null;
  @DockerString() MacAddress?: string | null; // 1.24–1.51 (per endpoint from 1.44)
  @DockerStringList() OnBuild?: string[] | null;
  @DockerStringMap() Labels?: Record<string, string> | null;
  @DockerString() StopSignal?: string | null;
  @DockerInt() StopTimeout?: number | null; // 1.25+
  @DockerStringList() Shell?: string[] | null; // 1.25+
}
