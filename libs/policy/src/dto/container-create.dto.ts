import { ContainerConfigDto } from './container-config.dto';
import { DockerNested } from './docker-validation.decorators';
import { HostConfigDto } from './host-config.dto';
import { NetworkingConfigDto } from './networking-config.dto';

/** The body of `POST /containers/create`: a container config with its host and network configuration. */
export class ContainerCreateDto extends ContainerConfigDto {
  @DockerNested(() => HostConfigDto) HostConfig?: HostConfigDto | null;
  @DockerNested(() => NetworkingConfigDto) NetworkingConfig?: NetworkingConfigDto | null;
}
