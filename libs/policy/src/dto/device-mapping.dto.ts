import { DockerString } from './docker-validation.decorators';

/** An entry of `Devices`: a host device made available in the container. */
export class DeviceMappingDto {
  @DockerString() PathOnHost?: string | null;
  @DockerString() PathInContainer?: string | null;
  @DockerString() CgroupPermissions?: string | null;
}
