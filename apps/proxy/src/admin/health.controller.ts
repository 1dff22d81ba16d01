import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { DaemonHealthIndicator } from './daemon.health';

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly daemon: DaemonHealthIndicator,
  ) {}

  @Get('health')
  @HealthCheck()
  liveness() {
    return this.health.check([() => this.daemon.alive()]);
  }

  @Get('ready')
  @HealthCheck()
  readiness() {
    return this.health.check([() => this.daemon.ready()]);
  }
}
