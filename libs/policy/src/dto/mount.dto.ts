import { DockerBool, DockerEnum, DockerNested, DockerString } from './docker-validation.decorators';
import { BindOptionsDto, ImageOptionsDto, TmpfsOptionsDto, VolumeOptionsDto } from './mount-options.dto';

/** An entry of `HostConfig.Mounts` (1.25+). Types: npipe from 1.32, cluster from 1.42, image from 1.48. */
export class MountDto {
  @DockerString() Target?: string | null;
  @DockerString() Source?: string | null;
  @DockerEnum(['bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'image']) Type?: string | null;
  @DockerBool() ReadOnly?: boolean | null;
  @DockerString() Consistency?: string | null; // 1.29+
  @DockerNested(() => BindOptionsDto) BindOptions?: BindOptionsDto | null;
  @DockerNested(() => VolumeOptionsDto) VolumeOptions?: VolumeOptionsDto | null;
  @DockerNested(() => ImageOptionsDto) ImageOptions?: ImageOptionsDto | null; // 1.48+
  @DockerNested(() => TmpfsOptionsDto) TmpfsOptions?: TmpfsOptionsDto | null;
}
