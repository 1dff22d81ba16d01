import { DockerString } from './docker-validation.decorators';

/** The body of `POST /auth` (spec `AuthConfig`); the only lower-case field names of the API. */
export class AuthConfigDto {
  @DockerString() username?: string | null;
  @DockerString() password?: string | null;
  @DockerString() email?: string | null; // 1.24–1.51
  @DockerString() serveraddress?: string | null;
  // The spec documents it for the same AuthConfig in X-Registry-Auth; the docker
  // CLI sends it here when it logs in again with a stored identity token.
  @DockerString() identitytoken?: string | null;
}
