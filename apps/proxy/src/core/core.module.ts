import { DynamicModule, INestApplicationContext, Module, Provider } from '@nestjs/common';
import { DaemonModule, DockerdSupervisor } from '@dind/daemon';
import { DockerPolicy, PolicyOptions } from '@dind/policy';
import { join } from 'node:path';
import { AuditRetentionSchedule } from '../audit/audit-retention.schedule';
import { AuditStore } from '../audit/audit-store';
import { AppConfig } from '../config/app-config';
import { daemonModuleOptions } from '../config/daemon-module-options';
import { hasMountsBelow, mountTablesWith, resolveHostPath } from '../config/load-policy-options';
import { LifecycleState } from '../lifecycle-state';
import { ClientLimits } from '../limits/client-limits';
import { ContainerNetworkWatcher } from '../network/container-network.watcher';
import { DecisionRecorder } from '../observability/decision-recorder';
import { DindMetrics } from '../observability/dind-metrics';
import { UpstreamPool } from '../upstream/upstream-pool';
import { DOCKER_POLICY } from './core.tokens';

export interface CoreModuleOptions {
  readonly config: AppConfig;
  readonly policy: PolicyOptions;
}

/**
 * What the Docker API and the admin API share, made once: the supervised
 * daemon, the policy, the pool of daemon connections, the client limits, the
 * network watcher, metrics, the audit log and its recorder, and the service's
 * lifecycle. Both applications take these instances from here (`fromCore`),
 * so readiness probes the pool the proxy uses and the metrics count what the
 * proxy did.
 */
@Module({})
export class CoreModule {
  static forRoot({ config, policy }: CoreModuleOptions): DynamicModule {
    return {
      module: CoreModule,
      imports: [DaemonModule.forRoot(daemonModuleOptions(config, policy))],
      providers: [
        { provide: AppConfig, useValue: config },
        LifecycleState,
        { provide: AuditStore, useFactory: () => new AuditStore(join(config.DATA_DIR, 'audit.db')) },
        AuditRetentionSchedule,
        {
          provide: UpstreamPool,
          inject: [DockerdSupervisor],
          useFactory: (supervisor: DockerdSupervisor) =>
            new UpstreamPool(supervisor.upstream, { maxSockets: config.UPSTREAM_MAX_SOCKETS, queueTimeoutMs: config.UPSTREAM_QUEUE_TIMEOUT_MS }),
        },
        {
          provide: ClientLimits,
          useFactory: () =>
            new ClientLimits({
              clientMaxConnections: config.CLIENT_MAX_CONNECTIONS,
              clientMaxStreams: config.CLIENT_MAX_STREAMS,
              maxStreams: config.MAX_STREAMS,
              clientMaxPooled: config.CLIENT_MAX_POOLED,
            }),
        },
        {
          provide: ContainerNetworkWatcher,
          inject: [DockerdSupervisor],
          useFactory: (supervisor: DockerdSupervisor) => new ContainerNetworkWatcher(() => supervisor.upstream, config.NETWORK_REFRESH_MS),
        },
        {
          provide: DindMetrics,
          inject: [DockerdSupervisor, UpstreamPool],
          useFactory: (supervisor: DockerdSupervisor, pool: UpstreamPool) => new DindMetrics(supervisor, policy, pool),
        },
        {
          provide: DecisionRecorder,
          inject: [DindMetrics, AuditStore],
          useFactory: (metrics: DindMetrics, audit: AuditStore) => {
            const recorder = new DecisionRecorder(metrics, audit, config.AUDIT_STDOUT);
            // Readiness reads the same setting: the two must agree.
            recorder.strict = config.AUDIT_STRICT;
            return recorder;
          },
        },
        {
          provide: DOCKER_POLICY,
          inject: [DockerdSupervisor, ContainerNetworkWatcher],
          useFactory: (supervisor: DockerdSupervisor, networks: ContainerNetworkWatcher) => {
            const mountTables = mountTablesWith(() => supervisor.pid);
            return new DockerPolicy({
              daemonApiVersion: () => supervisor.apiVersion,
              policy,
              resolveHostPath,
              hostNetworkIds: () => networks.hostNetworkIds,
              hasMountsBelow: (path) => hasMountsBelow(path, mountTables()),
            });
          },
        },
      ],
    };
  }
}

/** The shared instances, by token. */
const CORE_SERVICES = [
  AppConfig,
  DOCKER_POLICY,
  DockerdSupervisor,
  LifecycleState,
  AuditStore,
  UpstreamPool,
  ClientLimits,
  ContainerNetworkWatcher,
  DindMetrics,
  DecisionRecorder,
] as const;

/** Providers that hand an application the core's own instances (never copies). */
export function fromCore(core: INestApplicationContext): Provider[] {
  return CORE_SERVICES.map((token) => ({ provide: token, useValue: core.get(token, { strict: false }) }));
}
