import { DockerEnum, DockerStringMap } from './docker-validation.decorators';

/**
 * `HostConfig.LogConfig`. The type is the spec's list of drivers ("local" from
 * 1.48) plus '', which the docker CLI sends for "the daemon's default driver".
 */
export class LogConfigDto {
  @DockerEnum(['', 'json-file', 'syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'etwlogs', 'none', 'local'])
  Type?: string | null;
  @DockerStringMap() Config?: Record<string, string> | null;
}
