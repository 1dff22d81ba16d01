import { DockerMapOf } from './docker-validation.decorators';
import { EndpointSettingsDto } from './endpoint-settings.dto';

/** `NetworkingConfig` of `POST /containers/create`: endpoint settings keyed by network name or ID. */
export class NetworkingConfigDto {
  @DockerMapOf(() => EndpointSettingsDto) EndpointsConfig?: Record<string, EndpointSettingsDto> | null;
}
