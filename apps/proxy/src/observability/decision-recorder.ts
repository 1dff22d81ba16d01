import { Logger } from '@nestjs/common';
import { AuditStore } from '../audit/audit-store';
import { DecisionRecord } from './decision-record';
import { DindMetrics } from './dind-metrics';

const READ_ONLY = new Set(['GET', 'HEAD']);

/**
 * Where every decision goes: metrics always; the audit log (and, if enabled, a
 * JSON line on stdout) for every request that changes state and every denial.
 * Called before a denial is sent, so its record is committed first.
 */
export class DecisionRecorder {
  private readonly logger = new Logger('audit');
  private failing = false;

  constructor(
    private readonly metrics: DindMetrics,
    private readonly audit: AuditStore,
    private readonly stdout: boolean,
  ) {}

  /** False after an audit write failed, until one succeeds again. */
  get auditHealthy(): boolean {
    return !this.failing;
  }

  record(record: DecisionRecord): void {
    this.metrics.observe(record);
    if (READ_ONLY.has(record.method) && record.decision === 'allowed') return;
    try {
      this.audit.insert(record);
      this.metrics.auditRecords.inc();
      this.failing = false;
    } catch (error) {
      this.failing = true;
      this.metrics.auditFailures.inc();
      this.logger.error({ event: 'audit-write-failed', requestId: record.requestId, error: (error as Error).message });
    }
    if (this.stdout) process.stdout.write(`${JSON.stringify({ audit: record })}\n`);
  }
}
