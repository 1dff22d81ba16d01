import { Logger } from '@nestjs/common';
import { PolicyDenial } from '@dind/policy';
import { AuditStore } from '../audit/audit-store';
import { DecisionRecord } from './decision-record';
import { DindMetrics } from './dind-metrics';

const READ_ONLY = new Set(['GET', 'HEAD']);

/**
 * After a failed write, audit writes count as healthy again only once one
 * succeeds AND the database has this much room to grow: one small record
 * fitting on a full disk says nothing about the next one.
 */
export const AUDIT_RECOVERY_HEADROOM_BYTES = 16 * 1024 * 1024;
const RECOVERY_PROBE_MS = 1000;

/**
 * Where every decision goes: metrics always; the audit log (and, if enabled, a
 * JSON line on stdout) for every request that changes state, every hijacked
 * session and every denial. Called before a denial is sent, so its record is
 * committed first; `admit` is called before an allowed request is forwarded.
 */
export class DecisionRecorder {
  private readonly logger = new Logger('audit');
  private failing = false;
  private probedAt = 0;
  /** Requests whose admitted row awaits its final record. */
  private readonly admitted = new Set<string>();
  /** AUDIT_STRICT: a state-changing request whose admission cannot be recorded is refused. */
  strict = false;

  constructor(
    private readonly metrics: DindMetrics,
    private readonly audit: AuditStore,
    private readonly stdout: boolean,
  ) {
    audit.onPruneFailure?.(() => metrics.auditPruneFailures.inc());
    metrics.auditBytes = () => audit.usedBytes?.() ?? 0;
  }

  /**
   * False after an audit write failed, until a write succeeds with room to
   * spare. Checked by /ready: with no traffic (a NotReady pod gets none) it
   * probes itself, at most once a second.
   */
  get auditHealthy(): boolean {
    if (this.failing && Date.now() - this.probedAt >= RECOVERY_PROBE_MS) {
      this.probedAt = Date.now();
      try {
        this.audit.probe();
        this.recovered();
      } catch {
        // Still failing.
      }
    }
    return !this.failing;
  }

  /**
   * Records an allowed request before it is forwarded: state-changing requests
   * and hijacked sessions (a running exec is then visible, and its start
   * survives kill -9). Returns the refusal to send instead when the record
   * cannot be written and AUDIT_STRICT is on.
   */
  admit(record: DecisionRecord): PolicyDenial | undefined {
    if (READ_ONLY.has(record.method) && record.routeClass !== 'hijacked') return undefined;
    const error = this.write({ ...record, phase: 'admitted', status: 0 });
    if (!error) {
      this.admitted.add(record.requestId);
      return undefined;
    }
    if (!this.strict) return undefined;
    return {
      status: 503,
      rule: 'audit.unavailable',
      reason: `the audit log cannot record this request (${error.message}), and AUDIT_STRICT refuses a state-changing request it cannot record`,
    };
  }

  record(record: DecisionRecord): void {
    this.metrics.observe(record);
    const admitted = this.admitted.delete(record.requestId);
    if (READ_ONLY.has(record.method) && record.decision === 'allowed' && !admitted) return;
    this.write({ ...record, phase: 'final' });
    if (this.stdout) process.stdout.write(`${JSON.stringify({ audit: record })}\n`);
  }

  private write(record: DecisionRecord): Error | undefined {
    try {
      this.audit.insert(record);
      this.metrics.auditRecords.inc();
      if (this.failing) this.recovered();
      return undefined;
    } catch (error) {
      this.failing = true;
      this.metrics.auditFailures.inc();
      this.logger.error({ event: 'audit-write-failed', requestId: record.requestId, phase: record.phase, error: (error as Error).message });
      return error as Error;
    }
  }

  private recovered(): void {
    let headroom = 0;
    try {
      headroom = this.audit.headroomBytes();
    } catch {
      return;
    }
    if (headroom < AUDIT_RECOVERY_HEADROOM_BYTES) return;
    this.failing = false;
    this.logger.log({ event: 'audit-writes-recovered', headroomBytes: headroom });
  }
}
