import { DockerEnum, DockerInt } from './docker-validation.decorators';

/** `RestartPolicy` of create and update. '' means the daemon's default ("no"); "no" is in the spec from 1.40. */
export class RestartPolicyDto {
  @DockerEnum(['', 'no', 'always', 'unless-stopped', 'on-failure']) Name?: string | null;
  @DockerInt() MaximumRetryCount?: number | null;
}
