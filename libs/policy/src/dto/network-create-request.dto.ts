import { DockerBool, DockerNested, DockerString, DockerStringMap } from './docker-validation.decorators';
import { IpamDto } from './ipam.dto';

/** `ConfigFrom` of a network create: the config-only network to take the configuration from. */
export class ConfigReferenceDto {
  @DockerString() Network?: string | null;
}

/** The body of `POST /networks/create` (spec `NetworkCreateRequest`). */
export class NetworkCreateRequestDto {
  @DockerString() Name?: string | null;
  @DockerBool() CheckDuplicate?: boolean | null; // 1.24–1.45 (ignored from 1.44)
  @DockerString() Driver?: string | null;
  @DockerString() Scope?: string | null;
  @DockerBool() Internal?: boolean | null;
  @DockerBool() Attachable?: boolean | null; // 1.25+
  @DockerBool() Ingress?: boolean | null; // 1.29+
  @DockerBool() ConfigOnly?: boolean | null;
  @DockerNested(() => ConfigReferenceDto) ConfigFrom?: ConfigReferenceDto | null;
  @DockerNested(() => IpamDto) IPAM?: IpamDto | null;
  @DockerBool() EnableIPv4?: boolean | null; // 1.47+
  @DockerBool() EnableIPv6?: boolean | null;
  @DockerStringMap() Options?: Record<string, string> | null;
  @DockerStringMap() Labels?: Record<string, string> | null;
}
