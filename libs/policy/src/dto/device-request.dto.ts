import { DockerInt, DockerString, DockerStringList, DockerStringListList, DockerStringMap } from './docker-validation.decorators';

/** An entry of `DeviceRequests` (1.40+), e.g. what `--gpus all` sends. */
export class DeviceRequestDto {
  @DockerString() Driver?: string | null;
  @DockerInt() Count?: number | null;
  @DockerStringList() DeviceIDs?: string[] | null;
  @DockerStringListList() Capabilities?: string[][] | null;
  @DockerStringMap() Options?: Record<string, string> | null;
}
