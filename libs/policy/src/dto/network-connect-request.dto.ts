import { DockerNested, DockerString } from './docker-validation.decorators';
import { EndpointSettingsDto } from './endpoint-settings.dto';

/** The body of `POST /networks/{id}/connect` (spec `NetworkConnectRequest`). */
export class NetworkConnectRequestDto {
  @DockerString() Container?: string | null;
  @DockerNested(() => EndpointSettingsDto) EndpointConfig?: EndpointSettingsDto | null;
}
