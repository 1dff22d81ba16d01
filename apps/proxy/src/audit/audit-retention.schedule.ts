import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AuditStore } from './audit-store';

const HOUR_MS = 3_600_000;

/** Prunes the audit log at start and hourly, by AUDIT_RETENTION_DAYS, AUDIT_MAX_RECORDS and AUDIT_MAX_BYTES. */
@Injectable()
export class AuditRetentionSchedule implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('audit');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly audit: AuditStore,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.prune();
    this.timer = setInterval(() => this.prune(), HOUR_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  // prune() runs in small steps over event-loop turns and never rejects: a full disk is logged and counted, never fatal.
  private prune(): void {
    const { AUDIT_RETENTION_DAYS, AUDIT_MAX_RECORDS, AUDIT_MAX_BYTES } = this.config;
    void this.audit.prune(AUDIT_RETENTION_DAYS, AUDIT_MAX_RECORDS, AUDIT_MAX_BYTES).then((removed) => {
      if (removed > 0) this.logger.log(`audit retention removed ${removed} records`);
    });
  }
}
