import { DynamicModule, Module } from '@nestjs/common';
import { DockerdSupervisor } from '@dind/daemon';
import { DockerPolicy, PolicyOptions } from '@dind/policy';
import { DialTargetChecker } from '../network/dial-target.checker';
import { DecisionRecorder } from '../observability/decision-recorder';
import { DindMetrics } from '../observability/dind-metrics';
import { ContainerCountChecker } from './container-count.checker';
import { ContainerReferenceChecker } from './container-reference.checker';
import { AdmissionGate } from './admission-gate';
import { DaemonSideChecks } from './daemon-side.checks';
import { DenialReporter } from './denial-reporter';
import { NetworkReferenceChecker } from './network-reference.checker';
import { OwnershipChecker } from './ownership.checker';
import { VolumeReferenceChecker } from './volume-reference.checker';
import { DOCKER_API_OPTIONS, DOCKER_POLICY, DockerApiOptions } from './docker-api.tokens';
import { DockerPolicyGuard } from './docker-policy.guard';
import { DockerProxyController } from './docker-proxy.controller';
import { hasMountsBelow, mountTablesWith } from '../config/load-policy-options';
import { HijackHandler } from './hijack.handler';
import { UpstreamProxy } from './upstream-proxy.service';
import { UpstreamPool } from '../upstream/upstream-pool';
import { ClientLimits } from '../limits/client-limits';

export interface DockerApiModuleOptions extends DockerApiOptions {
  /** Shared with the admin application: one daemon, supervised once. */
  readonly supervisor: DockerdSupervisor;
  readonly policy: PolicyOptions;
  readonly resolveHostPath: (path: string) => string | undefined;
  readonly hostNetworkIds: () => readonly string[];
  readonly recorder: DecisionRecorder;
  readonly metrics: DindMetrics;
  /** Shared with the admin application: readiness probes the same pool. */
  readonly pool: UpstreamPool;
  readonly limits: ClientLimits;
}

/** The proxied Docker API: its own Nest application on its own listeners. */
@Module({})
export class DockerApiModule {
  static forRoot({ supervisor, policy, resolveHostPath, hostNetworkIds, recorder, metrics, pool, limits, ...options }: DockerApiModuleOptions): DynamicModule {
    const mountTables = mountTablesWith(() => supervisor.pid);
    return {
      module: DockerApiModule,
      providers: [
        { provide: DockerdSupervisor, useValue: supervisor },
        { provide: DOCKER_API_OPTIONS, useValue: options },
        { provide: DecisionRecorder, useValue: recorder },
        { provide: DindMetrics, useValue: metrics },
        { provide: UpstreamPool, useValue: pool },
        { provide: ClientLimits, useValue: limits },
        { provide: DOCKER_POLICY, useValue: new DockerPolicy({ daemonApiVersion: () => supervisor.apiVersion, policy, resolveHostPath, hostNetworkIds, hasMountsBelow: (path) => hasMountsBelow(path, mountTables()) }) },
        DialTargetChecker,
        ContainerReferenceChecker,
        ContainerCountChecker,
        VolumeReferenceChecker,
        NetworkReferenceChecker,
        OwnershipChecker,
        DaemonSideChecks,
        DenialReporter,
        AdmissionGate,
        DockerPolicyGuard,
        UpstreamProxy,
        HijackHandler,
        // Called by the listeners through controllerListener, not through a router.
        DockerProxyController,
      ],
    };
  }
}
