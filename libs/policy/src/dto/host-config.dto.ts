import {
  DockerBool,
  DockerEnum,
  DockerInt,
  DockerMapOf,
  DockerNested,
  DockerNestedList,
  DockerString,
  DockerStringList,
  DockerStringMap,
  DockerUintPair,
} from './docker-validation.decorators';
import { LogConfigDto } from './log-config.dto';
import { MountDto } from './mount.dto';
import { PortBindingDto } from './port-binding.dto';
import { ResourcesDto } from './resources.dto';
import { RestartPolicyDto } from './restart-policy.dto';

/** `HostConfig` of `POST /containers/create` (and, before API 1.24, the body of `POST /containers/{id}/start`). */
export class HostConfigDto extends ResourcesDto {
  @DockerStringList() Binds?: string[] | null;
  @DockerString() ContainerIDFile?: string | null;
  @DockerNested(() => LogConfigDto) LogConfig?: LogConfigDto | null;
  @DockerString() NetworkMode?: string | null;
  /** "80/tcp" → bindings; the spec allows a null list. */
  @DockerMapOf(() => PortBindingDto, { list: true, nullable: true }) PortBindings?: Record<string, PortBindingDto[] | null> | null;
  @DockerNested(() => RestartPolicyDto) RestartPolicy?: RestartPolicyDto | null;
  @DockerBool() AutoRemove?: boolean | null; // 1.25+
  @DockerString() VolumeDriver?: string | null;
  @DockerStringList() VolumesFrom?: string[] | null;
  @DockerNestedList(() => MountDto) Mounts?: MountDto[] | null; // 1.25+
  @DockerUintPair() ConsoleSize?: [number, number] | null;
  @DockerStringMap() Annotations?: Record<string, string> | null; // 1.43+
  @DockerStringList() CapAdd?: string[] | null;
  @DockerStringList() CapDrop?: string[] | null;
  @DockerStringList() Capabilities?: string[] | null; // 1.40 only
  /** '' (sent by the docker CLI) is the daemon's default mode. */
  @DockerEnum(['', 'private', 'host']) CgroupnsMode?: string | null; // 1.41+
  @DockerStringList() Dns?: string[] | null;
  @DockerStringList() DnsOptions?: string[] | null;
  @DockerStringList() DnsSearch?: string[] | null;
  @DockerStringList() ExtraHosts?: string[] | null;
  @DockerStringList() GroupAdd?: string[] | null;
  @DockerString() IpcMode?: string | null;
  @DockerString() Cgroup?: string | null;
  @DockerStringList() Links?: string[] | null;
  @DockerInt() OomScoreAdj?: number | null;
  @DockerString() PidMode?: string | null;
  @DockerBool() Privileged?: boolean | null;
  @DockerBool() PublishAllPorts?: boolean | null;
  @DockerBool() ReadonlyRootfs?: boolean | null;
  @DockerStringList() SecurityOpt?: string[] | null;
  @DockerStringMap() StorageOpt?: Record<string, string> | null;
  @DockerStringMap() Tmpfs?: Record<string, string> | null;
  @DockerString() UTSMode?: string | null;
  @DockerString() UsernsMode?: string | null;
  @DockerInt() ShmSize?: number | null;
  @DockerStringMap() Sysctls?: Record<string, string> | null;
  @DockerString() Runtime?: string | null;
  @DockerEnum(['', 'default', 'process', 'hyperv']) Isolation?: string | null;
  @DockerStringList() MaskedPaths?: string[] | null;
  @DockerStringList() ReadonlyPaths?: string[] | null;
}
