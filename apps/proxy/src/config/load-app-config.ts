import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parseDenyCidrs } from '@dind/daemon';
import { AppConfig } from './app-config';
import { dockerdArgumentProblems } from './dockerd-flags';
import { listenerProblems } from './listener-settings';
import { TLS_DEFAULT_PORT, tlsProblems, tlsSourceOf } from './tls-settings';

export class ConfigError extends Error {}

/**
 * Reads the environment (and the command line's daemon arguments) into an
 * AppConfig, or throws a ConfigError listing every `NAME=value: why`.
 */
export function loadAppConfig(env: NodeJS.ProcessEnv, argv: readonly string[]): AppConfig {
  const known = Object.keys(new AppConfig()).filter((key) => key === key.toUpperCase());
  const raw: Record<string, string> = {};
  for (const key of known) if (env[key] !== undefined) raw[key] = env[key]!;
  const config = plainToInstance(AppConfig, raw);
  const problems = validateSync(config).map(
    (error) => `${error.property}=${JSON.stringify(raw[error.property] ?? '')}: ${Object.values(error.constraints ?? {}).join('; ')}`,
  );

  // docker:dind's contract: with TLS the API moves to 2376, unless PORT says otherwise.
  if (env.PORT === undefined && tlsSourceOf(config)) config.PORT = TLS_DEFAULT_PORT;
  problems.push(...tlsProblems(config));

  const commandLine = argv[0] === '--' ? argv.slice(1) : [...argv];
  config.dockerdArgs = [...config.DOCKERD_ARGS.split(/\s+/).filter(Boolean), ...commandLine];
  problems.push(...dockerdArgumentProblems(config.dockerdArgs));
  if (config.PORT === '' && config.SOCKET_PATH === '') problems.push('PORT="" and SOCKET_PATH="": at least one listener must be on');
  if (config.PORT !== '' && Number(config.PORT) === config.ADMIN_PORT) {
    problems.push(`ADMIN_PORT=${config.ADMIN_PORT}: must differ from PORT (the admin API never shares the Docker API listener)`);
  }
  if (config.PORT !== '' && (Number(config.PORT) < 1 || Number(config.PORT) > 65535)) problems.push(`PORT=${config.PORT}: out of range`);
  problems.push(...listenerProblems(config));
  config.apiPort = config.PORT === '' ? undefined : Number(config.PORT);
  config.socketMode = parseInt(config.SOCKET_MODE, 8);
  const deny = parseDenyCidrs(config.EGRESS_DENY_CIDRS);
  config.egressDenyCidrs = deny.cidrs;
  problems.push(...deny.problems);
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return config;
}
