import { DockerNestedList, DockerString, DockerStringMap } from './docker-validation.decorators';

/**
 * An entry of `IPAM.Config`. The specs 1.25–1.40 described it as a map of
 * strings; the daemon's type was always this struct (v1.24's `AuxAddress` is the
 * Go field name; its JSON name is `AuxiliaryAddresses`).
 */
export class IpamConfigDto {
  @DockerString() Subnet?: string | null;
  @DockerString() IPRange?: string | null;
  @DockerString() Gateway?: string | null;
  @DockerStringMap() AuxiliaryAddresses?: Record<string, string> | null;
}

/** `IPAM` of a network create. */
export class IpamDto {
  @DockerString() Driver?: string | null;
  @DockerNestedList(() => IpamConfigDto) Config?: IpamConfigDto[] | null;
  @DockerStringMap() Options?: Record<string, string> | null;
}
