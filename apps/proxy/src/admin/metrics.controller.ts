import { Controller, ExecutionContext, Get, Header, Inject, Injectable, CanActivate, UseGuards } from '@nestjs/common';
import { DindMetrics } from '../observability/dind-metrics';
import { AdminAuthGuard } from './admin-auth.guard';
import { ADMIN_OPTIONS, AdminOptions } from './admin-options';

/** /metrics is open for Prometheus unless METRICS_REQUIRE_TOKEN=true. */
@Injectable()
class MetricsAuthGuard implements CanActivate {
  constructor(
    @Inject(ADMIN_OPTIONS) private readonly options: AdminOptions,
    private readonly auth: AdminAuthGuard,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    return !this.options.metricsRequireToken || this.auth.canActivate(context);
  }
}

@Controller()
export class MetricsController {
  constructor(@Inject(DindMetrics) private readonly metrics: DindMetrics) {}

  @Get('metrics')
  @UseGuards(MetricsAuthGuard)
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

export { MetricsAuthGuard };
