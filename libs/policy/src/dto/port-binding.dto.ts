import { DockerString } from './docker-validation.decorators';

/** One host binding of a container port, in `HostConfig.PortBindings["80/tcp"]`. */
export class PortBindingDto {
  @DockerString() HostIp?: string | null;
  @DockerString() HostPort?: string | null;
}
