import { DockerInt, DockerString } from './docker-validation.decorators';

/** An entry of `BlkioWeightDevice` (Go `blkiodev.WeightDevice`). */
export class WeightDeviceDto {
  @DockerString() Path?: string | null;
  @DockerInt({ min: 0, max: 65535, go: 'uint16' }) Weight?: number | null;
}

/** An entry of `BlkioDeviceReadBps` and its siblings (Go `blkiodev.ThrottleDevice`). */
export class ThrottleDeviceDto {
  @DockerString() Path?: string | null;
  @DockerInt({ min: 0, go: 'uint64' }) Rate?: number | null;
}
