import { DockerEmptyObject, DockerEnum, DockerInt, DockerNested, DockerNestedList, DockerString, DockerStringList, DockerStringMap } from './docker-validation.decorators';

// The specs 1.42–1.52 nest Secrets, AccessibilityRequirements, CapacityRange and
// Availability inside AccessMode, and MountVolume's fields inside a description
// (YAML indentation slips). The daemon's Go types (api/types/volume) put them
// one level up; these DTOs follow the Go types, because a body shaped like the
// spec would be accepted here and then silently ignored by the daemon.

/** `AccessMode.MountVolume` (Go `volume.TypeMount`). */
export class TypeMountDto {
  @DockerString() FsType?: string | null;
  @DockerStringList() MountFlags?: string[] | null;
}

/** `ClusterVolumeSpec.AccessMode`. */
export class AccessModeDto {
  @DockerEnum(['single', 'multi']) Scope?: string | null;
  @DockerEnum(['none', 'readonly', 'onewriter', 'all']) Sharing?: string | null;
  @DockerNested(() => TypeMountDto) MountVolume?: TypeMountDto | null;
  @DockerEmptyObject() BlockVolume?: Record<string, never> | null;
}

/** An entry of `ClusterVolumeSpec.Secrets`. */
export class ClusterVolumeSecretDto {
  @DockerString() Key?: string | null;
  @DockerString() Secret?: string | null;
}

/** An entry of `AccessibilityRequirements.Requisite` / `Preferred`. */
export class TopologyDto {
  @DockerStringMap() Segments?: Record<string, string> | null;
}

/** `ClusterVolumeSpec.AccessibilityRequirements`. */
export class TopologyRequirementDto {
  @DockerNestedList(() => TopologyDto) Requisite?: TopologyDto[] | null;
  @DockerNestedList(() => TopologyDto) Preferred?: TopologyDto[] | null;
}

/** `ClusterVolumeSpec.CapacityRange`. */
export class CapacityRangeDto {
  @DockerInt() RequiredBytes?: number | null;
  @DockerInt() LimitBytes?: number | null;
}

/**
 * `VolumeCreateRequest.ClusterVolumeSpec` (1.42+): a Swarm CSI cluster volume.
 * Typed rather than refused: the shape is not the place for policy, and the
 * daemon refuses it anyway unless it is a Swarm manager.
 */
export class ClusterVolumeSpecDto {
  @DockerString() Group?: string | null;
  @DockerNested(() => AccessModeDto) AccessMode?: AccessModeDto | null;
  @DockerNestedList(() => ClusterVolumeSecretDto) Secrets?: ClusterVolumeSecretDto[] | null;
  @DockerNested(() => TopologyRequirementDto) AccessibilityRequirements?: TopologyRequirementDto | null;
  @DockerNested(() => CapacityRangeDto) CapacityRange?: CapacityRangeDto | null;
  @DockerEnum(['active', 'pause', 'drain']) Availability?: string | null;
}
