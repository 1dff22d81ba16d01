import Database from 'better-sqlite3';
import { Logger } from '@nestjs/common';

export interface RetentionLimits {
  readonly maxAgeDays: number;
  readonly maxRecords: number;
  readonly maxBytes: number;
}

/** Rows deleted per step, and pages returned to the file system per step: each step stays in the low milliseconds. */
export const PRUNE_BATCH_ROWS = 100;
export const VACUUM_BATCH_PAGES = 32;
/** Pruning by bytes goes down to this share of the limit, so it does not run again at the next insert. */
const BYTES_LOW_WATER = 0.9;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Retention of the audit log by age, count and bytes, in small steps with an
 * event-loop turn between them: the Docker API shares this thread, and one
 * DELETE of a hundred thousand rows held it for a third of a second.
 */
export class AuditRetention {
  limits?: RetentionLimits;
  private running?: Promise<number>;
  private stopped = false;
  private readonly failures: Error[] = [];
  private readonly listeners: Array<(error: Error) => void> = [];

  constructor(
    private readonly db: Database.Database,
    private readonly logger: Logger,
  ) {}

  onFailure(listener: (error: Error) => void): void {
    this.listeners.push(listener);
    for (const error of this.failures) listener(error);
  }

  stop(): void {
    this.stopped = true;
  }

  usedBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = (this.db.pragma('page_count', { simple: true }) as number) - (this.db.pragma('freelist_count', { simple: true }) as number);
    return pages * pageSize;
  }

  overBytes(): boolean {
    return this.limits !== undefined && this.usedBytes() > this.limits.maxBytes;
  }

  /** One run at a time; a request while one runs joins it. Never rejects. */
  run(now = new Date()): Promise<number> {
    this.running ??= this.steps(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async steps(now: Date): Promise<number> {
    let removed = 0;
    try {
      const limits = this.limits;
      if (!limits || this.stopped) return 0;
      await nextTurn();
      const cutoff = new Date(now.getTime() - limits.maxAgeDays * 86_400_000).toISOString();
      const byAge = this.db.prepare('DELETE FROM audit WHERE seq IN (SELECT seq FROM audit WHERE time < ? LIMIT ?)');
      removed += await this.repeat(() => byAge.run(cutoff, PRUNE_BATCH_ROWS).changes);
      // seq only grows and rows go oldest first, so the newest maxRecords are
      // those above max(seq) - maxRecords: no count(*) over a million rows.
      const high = (this.db.prepare('SELECT max(seq) AS high FROM audit').get() as { high: number | null }).high ?? 0;
      const byCount = this.db.prepare('DELETE FROM audit WHERE seq IN (SELECT seq FROM audit WHERE seq <= ? ORDER BY seq LIMIT ?)');
      removed += await this.repeat(() => byCount.run(high - limits.maxRecords, PRUNE_BATCH_ROWS).changes);
      const oldest = this.db.prepare('DELETE FROM audit WHERE seq IN (SELECT seq FROM audit ORDER BY seq LIMIT ?)');
      const target = limits.maxBytes * BYTES_LOW_WATER;
      if (this.usedBytes() > limits.maxBytes) removed += await this.repeat(() => (this.usedBytes() > target ? oldest.run(PRUNE_BATCH_ROWS).changes : 0));
      // Freed pages go back to the file system, then the WAL is reset: with
      // journal_size_limit that also cuts the WAL file back.
      // (Only in incremental mode: elsewhere the freelist would never shrink and this would not end.)
      if ((this.db.pragma('auto_vacuum', { simple: true }) as number) === 2) {
        await this.repeat(() => {
          const before = this.db.pragma('freelist_count', { simple: true }) as number;
          if (before === 0) return 0;
          this.db.pragma(`incremental_vacuum(${VACUUM_BATCH_PAGES})`);
          return before - (this.db.pragma('freelist_count', { simple: true }) as number);
        });
      }
      this.db.pragma('wal_checkpoint(RESTART)');
      return removed;
    } catch (error) {
      this.fail(error as Error);
      return removed;
    }
  }

  /** Runs a step until it does nothing, one step per event-loop turn. */
  private async repeat(step: () => number): Promise<number> {
    let total = 0;
    for (;;) {
      if (this.stopped) return total;
      const done = step();
      total += done;
      if (done === 0) return total;
      await nextTurn();
    }
  }

  private fail(error: Error): void {
    this.failures.push(error);
    if (this.failures.length > 100) this.failures.shift();
    this.logger.error({ event: 'audit-prune-failed', error: error.message, message: 'audit retention failed; the next run tries again' });
    for (const listener of this.listeners) listener(error);
  }
}
