import { DockerNested } from './docker-validation.decorators';
import { ResourcesDto } from './resources.dto';
import { RestartPolicyDto } from './restart-policy.dto';

/** The body of `POST /containers/{id}/update`. */
export class ContainerUpdateDto extends ResourcesDto {
  @DockerNested(() => RestartPolicyDto) RestartPolicy?: RestartPolicyDto | null;
}
