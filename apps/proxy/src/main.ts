import 'reflect-metadata';
import { ConsoleLogger, INestApplication, INestApplicationContext, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DockerdSupervisor } from '@dind/daemon';
import { Server } from 'node:net';
import { AdminModule } from './admin/admin.module';
import { ApiListeners } from './api-listeners';
import { AppConfig } from './config/app-config';
import { ConfigError, loadAppConfig } from './config/load-app-config';
import { loadPolicyOptions } from './config/load-policy-options';
import { PolicyOptions } from '@dind/policy';
import { DockerApiModule } from './docker-api/docker-api.module';
import { HijackHandler } from './docker-api/hijack.handler';
import { controllerListener } from './docker-api/controller-listener';
import { DockerProxyController } from './docker-api/docker-proxy.controller';
import { LifecycleState } from './lifecycle-state';
import { CoreModule } from './core/core.module';
import { DindMetrics } from './observability/dind-metrics';
import { writeFileSync } from 'node:fs';
import { ContainerNetworkWatcher } from './network/container-network.watcher';
import { UpstreamPool } from './upstream/upstream-pool';
import { ClientLimits } from './limits/client-limits';
import { TlsListenerSettings } from './api-listeners';
import { tlsSourceOf } from './config/tls-settings';
import { DindCertificates } from './tls/dind-certificates';
import { OpensslRunner } from './tls/openssl.runner';
import { serverNames } from './tls/server-names';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

function createLogger(config: AppConfig): ConsoleLogger {
  return new ConsoleLogger('dind-service', {
    json: config.LOG_FORMAT === 'json',
    logLevels: LEVELS.slice(0, LEVELS.indexOf(config.LOG_LEVEL) + 1),
    colors: false,
  });
}

/** Lowering it needs CAP_SYS_RESOURCE (root in the privileged container has it; a sidecar proxy may not). */
function protectFromOomKiller(adjustment: number, logger: ConsoleLogger): void {
  try {
    writeFileSync('/proc/self/oom_score_adj', String(adjustment));
  } catch (error) {
    logger.warn(`cannot set the service's OOM score adjustment to ${adjustment} (SERVICE_OOM_SCORE_ADJ): ${(error as Error).message}`);
  }
}

/** The TCP listener's certificates: generated in DOCKER_TLS_CERTDIR (docker:dind's contract) or the operator's own. */
async function tlsListenerSettings(config: AppConfig, logger: ConsoleLogger): Promise<TlsListenerSettings | undefined> {
  const source = tlsSourceOf(config);
  if (!source) return undefined;
  if (source.kind === 'files') return { files: source, reloadIntervalMs: config.TLS_RELOAD_INTERVAL_MS };
  const names = serverNames(source.extraNames);
  const files = await new DindCertificates(new OpensslRunner()).ensure(source.dir, names).catch((error: Error) => {
    throw new Error(`cannot prepare the TLS certificates in DOCKER_TLS_CERTDIR=${source.dir}: ${error.message}`);
  });
  logger.log(`TLS certificates in ${source.dir} (clients use ${source.dir}/client); server names ${names.join(', ')}`);
  return { files, reloadIntervalMs: config.TLS_RELOAD_INTERVAL_MS };
}

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  let policy: PolicyOptions;
  try {
    config = loadAppConfig(process.env, process.argv.slice(2));
    policy = loadPolicyOptions(config.POLICY_FILE);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`dind-service: ${error.message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config);
  protectFromOomKiller(config.SERVICE_OOM_SCORE_ADJ, logger);
  logger.log(`policy ${policy.name}${policy.dryRun ? ' (DRY RUN: rule denials are forwarded and only recorded)' : ''}`);
  // One way out, whatever fails and whenever: what exists so far is stopped in
  // the order SIGTERM stops it, so a failure never leaves dockerd orphaned.
  const parts: { core?: INestApplicationContext; listeners?: ApiListeners; api?: INestApplicationContext; admin?: INestApplication } = {};
  let stopping: Promise<void> | undefined;
  const shutdown = (why: string, exitCode: number) => {
    stopping ??= (async () => {
      logger.log(`${why}: shutting down`);
      const { core } = parts;
      if (core) core.get(LifecycleState).shuttingDown = true;
      const step = async (name: string, action: () => unknown) => {
        try {
          await action();
        } catch (error) {
          logger.error(`shutdown: ${name} failed: ${(error as Error).message}`);
        }
      };
      await step('network watcher', () => core?.get(ContainerNetworkWatcher).stop());
      await step('API listeners', () => parts.listeners?.close(config.SHUTDOWN_GRACE_MS));
      await step('API', () => parts.api?.close());
      await step('upstream pool', () => core?.get(UpstreamPool).destroy());
      await step('dockerd', () => core?.get(DockerdSupervisor).stop());
      await step('admin API', () => parts.admin?.close());
      await step('audit log', () => core?.close());
      logger.log('stopped');
      process.exit(exitCode);
    })();
    return stopping;
  };
  failFast = (why) => void shutdown(why, 1);
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));

  const core = (parts.core = await NestFactory.createApplicationContext(CoreModule.forRoot({ config, policy }), { logger }));
  const supervisor = core.get(DockerdSupervisor);
  const networks = core.get(ContainerNetworkWatcher);
  const protect = (server: Server) => config.ALLOW_CONTAINER_CLIENTS || networks.protect(server);

  const admin = (parts.admin = await NestFactory.create(AdminModule.forRoot(core), { logger }));
  protect(admin.getHttpServer() as Server);
  await admin.listen(config.ADMIN_PORT, config.ADMIN_HOST);
  logger.log(`admin API listening on http://${config.ADMIN_HOST}:${config.ADMIN_PORT}`);

  // An application context, not an HTTP application: the listeners call the
  // proxy controller themselves (controllerListener), so no Express app, router
  // or body parser is built for the Docker API.
  const api = (parts.api = await NestFactory.createApplicationContext(DockerApiModule.forRoot(core), { logger }));
  const listeners = (parts.listeners = new ApiListeners(controllerListener(api, DockerProxyController, 'proxy'), api.get(HijackHandler), protect, {
    limits: core.get(ClientLimits),
    metrics: core.get(DindMetrics),
    headersTimeoutMs: config.HEADERS_TIMEOUT_MS,
    maxHeaderBytes: config.MAX_HEADER_BYTES,
  }));
  const listenerSettings = {
    port: config.apiPort,
    host: config.HOST,
    socketPath: config.SOCKET_PATH || undefined,
    socketMode: config.socketMode,
    tls: await tlsListenerSettings(config, logger),
  };
  // Before dockerd starts: a listener that cannot be bound stops start-up while
  // there is no daemon to orphan.
  await listeners.probe(listenerSettings);

  supervisor.onFatal((reason) => void shutdown(`giving up on dockerd (${reason})`, 1));

  try {
    await supervisor.start();
  } catch (error) {
    logger.error((error as Error).message);
    await shutdown('dockerd did not start', 1);
    return;
  }
  // Before the listeners open: no connection is accepted before the networks are known.
  await networks.refresh();
  networks.start();
  await listeners.listen(listenerSettings);
}

// Set once the bootstrap can shut down what it started; until then, nothing
// needs stopping and exiting is enough.
let failFast: ((why: string) => void) | undefined;
const fail = (error: unknown) => {
  process.stderr.write(`dind-service: ${(error as Error)?.stack ?? String(error)}\n`);
  if (failFast) failFast(`fatal error: ${(error as Error)?.message ?? String(error)}`);
  else process.exit(1);
};
process.on('unhandledRejection', fail);
process.on('uncaughtException', fail);
// Logs are best effort; the audit log is the durable record. A log reader that
// goes away (a closed pipe) left every write failing with EPIPE: each failure
// was an uncaught exception whose report failed again, and the service spun at
// full CPU without ever finishing start-up or shutdown.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
bootstrap().catch(fail);
