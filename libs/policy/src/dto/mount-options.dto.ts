import { DockerBool, DockerEnum, DockerInt, DockerNested, DockerString, DockerStringListList, DockerStringMap } from './docker-validation.decorators';

/** `Mount.BindOptions`. '' propagation is the daemon's default (rprivate), as when absent. */
export class BindOptionsDto {
  @DockerEnum(['', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']) Propagation?: string | null;
  @DockerBool() NonRecursive?: boolean | null; // 1.40+
  @DockerBool() CreateMountpoint?: boolean | null; // 1.42+
  @DockerBool() ReadOnlyNonRecursive?: boolean | null; // 1.44+
  @DockerBool() ReadOnlyForceRecursive?: boolean | null; // 1.44+
}

/** `Mount.VolumeOptions.DriverConfig`. */
export class DriverConfigDto {
  @DockerString() Name?: string | null;
  @DockerStringMap() Options?: Record<string, string> | null;
}

/** `Mount.VolumeOptions`. */
export class VolumeOptionsDto {
  @DockerBool() NoCopy?: boolean | null;
  @DockerStringMap() Labels?: Record<string, string> | null;
  @DockerNested(() => DriverConfigDto) DriverConfig?: DriverConfigDto | null;
  @DockerString() Subpath?: string | null; // 1.45+
}

/** `Mount.ImageOptions` (1.48+). */
export class ImageOptionsDto {
  @DockerString() Subpath?: string | null;
}

/** `Mount.TmpfsOptions`. */
export class TmpfsOptionsDto {
  @DockerInt() SizeBytes?: number | null;
  @DockerInt({ min: 0, max: 4294967295, go: 'os.FileMode' }) Mode?: number | null;
  @DockerStringListList({ min: 1, max: 2 }) Options?: string[][] | null; // 1.46+
}
