import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DockerdSupervisor } from '@dind/daemon';
import { AuditStore } from '../audit/audit-store';
import { LifecycleState } from '../lifecycle-state';
import { DecisionRecorder } from '../observability/decision-recorder';
import { DindMetrics } from '../observability/dind-metrics';
import { AdminAuthGuard } from './admin-auth.guard';
import { ADMIN_OPTIONS, AdminOptions } from './admin-options';
import { AuditController } from './audit.controller';
import { DaemonHealthIndicator } from './daemon.health';
import { HealthController } from './health.controller';
import { UpstreamPool } from '../upstream/upstream-pool';
import { MetricsAuthGuard, MetricsController } from './metrics.controller';

export interface AdminModuleOptions extends AdminOptions {
  readonly supervisor: DockerdSupervisor;
  readonly lifecycle: LifecycleState;
  readonly metrics: DindMetrics;
  readonly audit: AuditStore;
  readonly recorder: DecisionRecorder;
  readonly pool: UpstreamPool;
}

/** Operators' API on ADMIN_PORT: never the Docker API's listener. */
@Module({})
export class AdminModule {
  static forRoot({ supervisor, lifecycle, metrics, audit, recorder, pool, ...options }: AdminModuleOptions): DynamicModule {
    // AUDIT_STRICT reaches the recorder here, where readiness gets it too: the two must agree.
    recorder.strict = options.auditStrict;
    return {
      module: AdminModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController, MetricsController, AuditController],
      providers: [
        { provide: DockerdSupervisor, useValue: supervisor },
        { provide: LifecycleState, useValue: lifecycle },
        { provide: DindMetrics, useValue: metrics },
        { provide: AuditStore, useValue: audit },
        { provide: DecisionRecorder, useValue: recorder },
        { provide: UpstreamPool, useValue: pool },
        { provide: ADMIN_OPTIONS, useValue: options },
        AdminAuthGuard,
        MetricsAuthGuard,
        DaemonHealthIndicator,
      ],
    };
  }
}
