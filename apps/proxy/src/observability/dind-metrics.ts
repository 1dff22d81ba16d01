import { DockerdSupervisor } from '@dind/daemon';
import { AUDITED_MAX_API_VERSION, AUDITED_MIN_API_VERSION, PolicyOptions } from '@dind/policy';
import { createHash } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DecisionRecord } from './decision-record';
import { UpstreamPool } from '../upstream/upstream-pool';

const PREFIX = 'dind_';

/**
 * Every metric of the service, on a registry of its own. Labels are bounded:
 * route templates and rule names, never raw paths or values.
 */
export class DindMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: `${PREFIX}requests_total`,
    help: 'Docker API requests by route template, method, decision and status class',
    labelNames: ['route', 'method', 'decision', 'status_class'],
    registers: [this.registry],
  });
  private readonly denials = new Counter({
    name: `${PREFIX}denials_total`,
    help: 'Requests refused (or, in dry-run, that would have been) by rule and route template',
    labelNames: ['rule', 'route', 'dry_run'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: `${PREFIX}request_duration_seconds`,
    help: 'Docker API request duration by route class (hijacked: the whole stream)',
    labelNames: ['route_class'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300],
    registers: [this.registry],
  });
  readonly hijackedOpen = new Gauge({ name: `${PREFIX}hijacked_streams_open`, help: 'Hijacked streams (attach, exec) open now', registers: [this.registry] });
  readonly proxiedBytes = new Counter({
    name: `${PREFIX}proxied_bytes_total`,
    help: 'Bytes proxied, by direction (upstream: client to daemon; downstream: daemon to client)',
    labelNames: ['direction'],
    registers: [this.registry],
  });
  readonly auditRecords = new Counter({ name: `${PREFIX}audit_records_total`, help: 'Audit records written', registers: [this.registry] });
  readonly auditFailures = new Counter({ name: `${PREFIX}audit_write_failures_total`, help: 'Audit records that could not be written', registers: [this.registry] });
  readonly auditPruneFailures = new Counter({ name: `${PREFIX}audit_prune_failures_total`, help: 'Audit retention runs that failed (the next run tries again)', registers: [this.registry] });
  /** Set by the recorder: bytes the audit records use. */
  auditBytes?: () => number;
  readonly limitRefusals = new Counter({
    name: `${PREFIX}limit_refusals_total`,
    help: 'Connections and requests refused by a load limit (client-connections, client-streams, service-streams, upstream-pool, header-timeout, body-timeout, header-size)',
    labelNames: ['limit'],
    registers: [this.registry],
  });

  constructor(supervisor: DockerdSupervisor, policy: PolicyOptions, pool?: UpstreamPool) {
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    const auditBytes = () => this.auditBytes?.() ?? 0;
    new Gauge({
      name: `${PREFIX}audit_database_bytes`,
      help: 'Bytes the audit records use in audit.db (compare with AUDIT_MAX_BYTES)',
      registers: [this.registry],
      collect() {
        this.set(auditBytes());
      },
    });
    new Gauge({
      name: `${PREFIX}daemon_up`,
      help: '1 while the docker daemon is ready and answers its periodic _ping',
      registers: [this.registry],
      collect() {
        this.set(supervisor.state === 'ready' && supervisor.answering ? 1 : 0);
      },
    });
    new Gauge({
      name: `${PREFIX}daemon_restarts`,
      help: 'Times dockerd was restarted after an unexpected exit since the service started',
      registers: [this.registry],
      collect() {
        this.set(supervisor.restarts);
      },
    });
    new Gauge({
      name: `${PREFIX}daemon_startup_seconds`,
      help: 'How long the last daemon start took until it answered _ping',
      registers: [this.registry],
      collect() {
        if (supervisor.startupSeconds !== undefined) this.set(supervisor.startupSeconds);
      },
    });
    if (pool) this.poolGauges(pool);
    const hash = createHash('sha256').update(JSON.stringify(policy)).digest('hex').slice(0, 12);
    new Gauge({
      name: `${PREFIX}policy_info`,
      help: 'The policy in force (name, hash of its options, audited API range, dry-run)',
      labelNames: ['name', 'hash', 'api_min', 'api_max', 'dry_run'],
      registers: [this.registry],
    }).set({ name: policy.name, hash, api_min: AUDITED_MIN_API_VERSION, api_max: AUDITED_MAX_API_VERSION, dry_run: String(policy.dryRun) }, 1);
  }

  private poolGauges(pool: UpstreamPool): void {
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name: `${PREFIX}${name}`,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    gauge('upstream_pool_sockets_in_use', 'Pooled daemon connections carrying a short request now (at most UPSTREAM_MAX_SOCKETS)', () => pool.inUse);
    gauge('upstream_pool_queue_length', 'Short requests waiting for a pooled daemon connection', () => pool.queueLength);
    gauge('upstream_pool_oldest_wait_seconds', 'How long the longest-waiting short request has waited for a pooled daemon connection', () => pool.oldestWaitMs / 1000);
    gauge('upstream_streams_open', 'Daemon connections of long-lived plain requests (follow streams, transfers) open now', () => pool.streams);
  }

  observe(record: DecisionRecord): void {
    for (const rule of record.rules) if (record.decision === 'denied' && rule.startsWith('limit.')) this.limitRefusals.inc({ limit: rule.slice('limit.'.length) });
    const statusClass = record.status === 0 ? 'none' : `${Math.floor(record.status / 100)}xx`;
    this.requests.inc({ route: record.route, method: record.method, decision: record.decision, status_class: statusClass });
    for (const rule of record.rules) this.denials.inc({ rule, route: record.route, dry_run: String(record.decision === 'dry-run-denied') });
    this.duration.observe({ route_class: record.routeClass }, record.durationMs / 1000);
  }
}
