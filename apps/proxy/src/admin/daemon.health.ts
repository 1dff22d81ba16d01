import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DockerdSupervisor } from '@dind/daemon';
import { LifecycleState } from '../lifecycle-state';
import { UpstreamPool } from '../upstream/upstream-pool';
import { DecisionRecorder } from '../observability/decision-recorder';
import { ADMIN_OPTIONS, AdminOptions } from './admin-options';

@Injectable()
export class DaemonHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly supervisor: DockerdSupervisor,
    private readonly lifecycle: LifecycleState,
    @Inject(DecisionRecorder) private readonly recorder: DecisionRecorder,
    @Inject(ADMIN_OPTIONS) private readonly options: AdminOptions,
    @Inject(UpstreamPool) private readonly pool: UpstreamPool,
  ) {}

  /** Liveness: the service is alive unless it has given up on its daemon. */
  alive(): HealthIndicatorResult {
    const indicator = this.indicators.check('supervisor');
    const state = this.supervisor.state;
    return state === 'failed' ? indicator.down({ state }) : indicator.up({ state, restarts: this.supervisor.restarts });
  }

  /**
   * Readiness: a `_ping` through the pool that forwards clients' requests
   * answers in time (so a wedged forwarding path is not ready, even while the
   * daemon itself answers), and we are not shutting down.
   */
  async ready(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('daemon');
    if (this.lifecycle.shuttingDown) return indicator.down({ reason: 'shutting down' });
    if (this.supervisor.state !== 'ready') return indicator.down({ state: this.supervisor.state });
    if (this.options.auditStrict && !this.recorder.auditHealthy) return indicator.down({ reason: 'audit writes are failing (AUDIT_STRICT)' });
    const ping = await this.pool.canary(this.options.readyTimeoutMs);
    return ping.ok ? indicator.up({ apiVersion: ping.apiVersion, egress: this.supervisor.egressEnforcement, cgroup: this.supervisor.cgroupConfinement }) : indicator.down({ error: ping.error });
  }
}
