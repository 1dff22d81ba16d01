import { ThrottleDeviceDto, WeightDeviceDto } from './blkio-device.dto';
import { DeviceMappingDto } from './device-mapping.dto';
import { DeviceRequestDto } from './device-request.dto';
import { DockerBool, DockerInt, DockerNestedList, DockerString, DockerStringList } from './docker-validation.decorators';
import { UlimitDto } from './ulimit.dto';

/**
 * A container's resource limits (spec `Resources`): part of `HostConfig`, and
 * with `RestartPolicy` the body of `POST /containers/{id}/update`.
 */
export class ResourcesDto {
  @DockerInt() CpuShares?: number | null;
  @DockerInt() Memory?: number | null;
  @DockerString() CgroupParent?: string | null;
  @DockerInt({ min: 0, max: 65535, go: 'uint16' }) BlkioWeight?: number | null;
  @DockerNestedList(() => WeightDeviceDto) BlkioWeightDevice?: WeightDeviceDto[] | null;
  @DockerNestedList(() => ThrottleDeviceDto) BlkioDeviceReadBps?: ThrottleDeviceDto[] | null;
  @DockerNestedList(() => ThrottleDeviceDto) BlkioDeviceWriteBps?: ThrottleDeviceDto[] | null;
  @DockerNestedList(() => ThrottleDeviceDto) BlkioDeviceReadIOps?: ThrottleDeviceDto[] | null;
  @DockerNestedList(() => ThrottleDeviceDto) BlkioDeviceWriteIOps?: ThrottleDeviceDto[] | null;
  @DockerInt() CpuPeriod?: number | null;
  @DockerInt() CpuQuota?: number | null;
  @DockerInt() CpuRealtimePeriod?: number | null; // 1.25+
  @DockerInt() CpuRealtimeRuntime?: number | null; // 1.25+
  @DockerString() CpusetCpus?: string | null;
  @DockerString() CpusetMems?: string | null;
  @DockerNestedList(() => DeviceMappingDto) Devices?: DeviceMappingDto[] | null;
  @DockerStringList() DeviceCgroupRules?: string[] | null; // 1.28+
  @DockerNestedList(() => DeviceRequestDto) DeviceRequests?: DeviceRequestDto[] | null; // 1.40+
  @DockerInt() DiskQuota?: number | null; // 1.25–1.39
  @DockerInt() KernelMemory?: number | null; // 1.24–1.41
  @DockerInt() KernelMemoryTCP?: number | null; // 1.40–1.51
  @DockerInt() MemoryReservation?: number | null;
  @DockerInt() MemorySwap?: number | null;
  @DockerInt() MemorySwappiness?: number | null;
  @DockerInt() NanoCpus?: number | null; // 1.25+
  @DockerBool() OomKillDisable?: boolean | null;
  @DockerBool() Init?: boolean | null; // 1.25+ (the spec lists it here; dockerd reads it from HostConfig)
  @DockerInt() PidsLimit?: number | null;
  @DockerNestedList(() => UlimitDto) Ulimits?: UlimitDto[] | null;
  @DockerInt() CpuCount?: number | null; // 1.25+, Windows
  @DockerInt() CpuPercent?: number | null; // Windows
  @DockerInt({ min: 0, go: 'uint64' }) IOMaximumIOps?: number | null; // Windows
  @DockerInt({ min: 0, go: 'uint64' }) IOMaximumBandwidth?: number | null; // Windows
}
