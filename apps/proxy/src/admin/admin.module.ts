import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AdminAuthGuard } from './admin-auth.guard';
import { ADMIN_OPTIONS, AdminOptions } from './admin-options';
import { AppConfig } from '../config/app-config';
import { fromCore } from '../core/core.module';
import { AuditController } from './audit.controller';
import { DaemonHealthIndicator } from './daemon.health';
import { HealthController } from './health.controller';
import { MetricsAuthGuard, MetricsController } from './metrics.controller';

/** Operators' API on ADMIN_PORT (never the Docker API's listener), on the core's shared services. */
@Module({})
export class AdminModule {
  static forRoot(core: INestApplicationContext): DynamicModule {
    const config = core.get(AppConfig);
    const options: AdminOptions = {
      token: config.ADMIN_TOKEN,
      host: config.ADMIN_HOST,
      metricsRequireToken: config.METRICS_REQUIRE_TOKEN,
      auditStrict: config.AUDIT_STRICT,
      readyTimeoutMs: config.READY_TIMEOUT_MS,
    };
    return {
      module: AdminModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController, MetricsController, AuditController],
      providers: [...fromCore(core), { provide: ADMIN_OPTIONS, useValue: options }, AdminAuthGuard, MetricsAuthGuard, DaemonHealthIndicator],
    };
  }
}
