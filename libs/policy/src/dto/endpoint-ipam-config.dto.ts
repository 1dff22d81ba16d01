import { DockerString, DockerStringList } from './docker-validation.decorators';

/** `EndpointSettings.IPAMConfig`: the addresses a container asks for on one network. */
export class EndpointIpamConfigDto {
  @DockerString() IPv4Address?: string | null;
  @DockerString() IPv6Address?: string | null;
  @DockerStringList() LinkLocalIPs?: string[] | null;
}
