import { ClusterVolumeSpecDto } from './cluster-volume-spec.dto';
import { DockerNested, DockerString, DockerStringMap } from './docker-validation.decorators';

/** The body of `POST /volumes/create` (spec `VolumeCreateOptions`, `VolumeCreateRequest` from 1.4x). */
export class VolumeCreateRequestDto {
  @DockerString() Name?: string | null;
  @DockerString() Driver?: string | null;
  @DockerStringMap() DriverOpts?: Record<string, string> | null;
  @DockerStringMap() Labels?: Record<string, string> | null;
  @DockerNested(() => ClusterVolumeSpecDto) ClusterVolumeSpec?: ClusterVolumeSpecDto | null; // 1.42+
}
