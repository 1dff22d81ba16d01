import { DockerInt, DockerNested, DockerString, DockerStringList, DockerStringMap } from './docker-validation.decorators';
import { EndpointIpamConfigDto } from './endpoint-ipam-config.dto';

/**
 * A container's settings on one network (spec `EndpointSettings`): a value of
 * `NetworkingConfig.EndpointsConfig`, and `EndpointConfig` of a network connect.
 * The spec documents the read-only fields (NetworkID … GlobalIPv6PrefixLen) in
 * the same type, and docker CLIs send them empty.
 */
export class EndpointSettingsDto {
  @DockerNested(() => EndpointIpamConfigDto) IPAMConfig?: EndpointIpamConfigDto | null;
  @DockerStringList() Links?: string[] | null;
  @DockerString() MacAddress?: string | null;
  @DockerStringList() Aliases?: string[] | null;
  @DockerStringMap() DriverOpts?: Record<string, string> | null; // 1.32+
  @DockerInt() GwPriority?: number | null; // 1.48+
  @DockerString() NetworkID?: string | null;
  @DockerString() EndpointID?: string | null;
  @DockerString() Gateway?: string | null;
  @DockerString() IPAddress?: string | null;
  @DockerInt() IPPrefixLen?: number | null;
  @DockerString() IPv6Gateway?: string | null;
  @DockerString() GlobalIPv6Address?: string | null;
  @DockerInt() GlobalIPv6PrefixLen?: number | null;
  @DockerStringList() DNSNames?: string[] | null; // 1.44+
}
