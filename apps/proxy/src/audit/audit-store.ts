import Database from 'better-sqlite3';
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Logger, OnModuleDestroy } from '@nestjs/common';
import { DecisionRecord } from '../observability/decision-record';
import { boundFields } from './audit-bounds';
import { AuditQuery, auditWhere } from './audit-query';
import { AuditRetention, RetentionLimits } from './audit-retention';
import { openAuditDatabase, prepareAuditSchema, switchToIncrementalVacuum } from './audit-schema';

export type { AuditQuery } from './audit-query';

export interface AuditRow extends DecisionRecord {
  readonly seq: number;
  /** Path or a message was cut to its bound; the hashes identify the whole. */
  readonly truncated: boolean;
  readonly pathSha256?: string;
  readonly messagesSha256?: string;
}

/**
 * The most records one query examines. Filters on rules, clients and
 * containers cannot use an index; bounded, a query costs the same at a million
 * rows as at fifty thousand, and the caller follows `nextCursor` for more.
 */
export const QUERY_SCAN_WINDOW = 20_000;

const COLUMNS =
  'seq, time, request_id, client, method, route, route_class, path, api_version, decision, rules, messages, status, object_id, duration_ms, phase, truncated, path_sha256, messages_sha256, dropped_fields';

// Retry preparing a database that could not be written at start at most this often.
const PREPARE_RETRY_MS = 1000;

/**
 * The audit log: SQLite in WAL mode. An insert returns only once the record is
 * in the write-ahead log, so a process killed right after loses nothing that
 * was acknowledged. Bounded in rows, age and bytes (AuditRetention); every
 * stored field bounded in size (boundFields).
 *
 * Nothing here may end the process: a database that cannot be written (full or
 * read-only disk) makes insert() throw, for the caller to count and, under
 * AUDIT_STRICT, to refuse the request; start-up and pruning only log.
 */
export class AuditStore implements OnModuleDestroy {
  private readonly logger = new Logger('audit');
  private readonly db: Database.Database;
  private readonly retention: AuditRetention;
  private statements?: { insert: Database.Statement; get: Database.Statement; probe: Database.Statement };
  private prepareError?: Error;
  private preparedAt = 0;
  private insertsSinceCheck = 0;

  constructor(private readonly path: string) {
    this.db = openAuditDatabase(path);
    this.retention = new AuditRetention(this.db, this.logger);
    this.prepare();
    if (this.statements) {
      try {
        if (switchToIncrementalVacuum(this.db) === 'switched') this.logger.log({ event: 'audit-auto-vacuum', message: 'audit.db switched to incremental vacuum (one-time VACUUM)' });
      } catch (error) {
        this.logger.warn({ event: 'audit-auto-vacuum-failed', error: (error as Error).message, message: 'audit.db keeps its size after pruning until a VACUUM succeeds (next start)' });
      }
    }
  }

  /** Called for every prune failure, past ones included. */
  onPruneFailure(listener: (error: Error) => void): void {
    this.retention.onFailure(listener);
  }

  /** Inserts a record, or completes the admitted record of the same request. */
  insert(record: DecisionRecord): void {
    const { insert } = this.ready();
    const bounded = boundFields(record.path, record.messages);
    insert.run({
      ...record,
      path: bounded.path,
      apiVersion: record.apiVersion ?? null,
      objectId: record.objectId ?? null,
      rules: JSON.stringify(record.rules),
      messages: JSON.stringify(bounded.messages),
      phase: record.phase ?? 'final',
      truncated: bounded.truncated ? 1 : 0,
      pathSha256: bounded.pathSha256,
      messagesSha256: bounded.messagesSha256,
      droppedFields: record.droppedFields ? JSON.stringify(record.droppedFields) : null,
    });
    // A flood fills AUDIT_MAX_BYTES in minutes: the hourly prune alone is too late.
    if (++this.insertsSinceCheck >= 1000) {
      this.insertsSinceCheck = 0;
      if (this.retention.overBytes()) void this.retention.run();
    }
  }

  /** One small write that proves the database takes writes again. */
  probe(): void {
    this.ready().probe.run(new Date().toISOString());
  }

  /**
   * Bytes the database can still grow by: free disk space (for unprivileged
   * writers) plus pages freed inside the file, capped by SQLite's own page
   * limit. Infinity if the file system cannot say.
   */
  headroomBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pageCount = this.db.pragma('page_count', { simple: true }) as number;
    const freePages = this.db.pragma('freelist_count', { simple: true }) as number;
    const maxPages = this.db.pragma('max_page_count', { simple: true }) as number;
    let disk = Infinity;
    try {
      const fs = statfsSync(dirname(this.path));
      disk = fs.bavail * fs.bsize;
    } catch {
      // Not every platform reports; the page limit still applies.
    }
    return Math.min(disk + freePages * pageSize, (maxPages - pageCount + freePages) * pageSize);
  }

  /** Bytes in use by records (the file's pages minus those freed). */
  usedBytes(): number {
    try {
      return this.retention.usedBytes();
    } catch {
      return NaN; // The database cannot be read now; /metrics must still answer.
    }
  }

  get(requestId: string): AuditRow | undefined {
    const row = this.ready().get.get(requestId);
    return row ? toRecord(row as Row) : undefined;
  }

  /**
   * Newest first; `cursor` is where the previous page stopped. A page examines
   * at most QUERY_SCAN_WINDOW records, so it may hold fewer than `limit` (even
   * none) while `nextCursor` says there is more to look at.
   */
  query(query: AuditQuery): { records: AuditRow[]; nextCursor?: number } {
    this.ready();
    // Two statements: SQLite answers min() or max() from the b-tree's edge, but both in one SELECT scan the table.
    const bounds = {
      low: (this.db.prepare('SELECT min(seq) AS v FROM audit').get() as { v: number | null }).v,
      high: (this.db.prepare('SELECT max(seq) AS v FROM audit').get() as { v: number | null }).v,
    };
    if (bounds.low === null || bounds.high === null) return { records: [] };
    const top = Math.min(query.cursor ?? bounds.high + 1, bounds.high + 1);
    const floor = Math.max(bounds.low, top - QUERY_SCAN_WINDOW);
    const { where, params } = auditWhere(query);
    const sql = `SELECT ${COLUMNS} FROM audit WHERE seq < @top AND seq >= @floor${where.map((w) => ` AND ${w}`).join('')} ORDER BY seq DESC LIMIT @limit`;
    const records = (this.db.prepare(sql).all({ ...params, top, floor, limit: query.limit }) as Row[]).map(toRecord);
    const full = records.length === query.limit;
    const nextCursor = full ? records[records.length - 1].seq : floor > bounds.low ? floor : undefined;
    return { records, nextCursor };
  }

  /**
   * Retention by age, count and bytes, in small steps spread over event-loop
   * turns. Never rejects: a failure (a full disk cannot even take the deletes)
   * is logged and counted, and the next run tries again.
   */
  prune(maxAgeDays: number, maxRecords: number, maxBytes = Infinity, now = new Date()): Promise<number> {
    const limits: RetentionLimits = { maxAgeDays, maxRecords, maxBytes };
    this.retention.limits = limits;
    return this.retention.run(now);
  }

  close(): void {
    this.retention.stop();
    this.db.close();
  }

  /** Last of all at shutdown: the core closes after both applications. */
  onModuleDestroy(): void {
    this.close();
  }

  private prepare(): void {
    this.preparedAt = Date.now();
    try {
      prepareAuditSchema(this.db);
      this.statements = {
        insert: this.db.prepare(
          `INSERT INTO audit (time, request_id, client, method, route, route_class, path, api_version, decision, rules, messages, status, object_id, duration_ms, phase, truncated, path_sha256, messages_sha256, dropped_fields)
           VALUES (@time, @requestId, @client, @method, @route, @routeClass, @path, @apiVersion, @decision, @rules, @messages, @status, @objectId, @durationMs, @phase, @truncated, @pathSha256, @messagesSha256, @droppedFields)
           ON CONFLICT (request_id) DO UPDATE SET
             time = excluded.time, client = excluded.client, method = excluded.method, route = excluded.route, route_class = excluded.route_class,
             path = excluded.path, api_version = excluded.api_version, decision = excluded.decision, rules = excluded.rules, messages = excluded.messages,
             status = excluded.status, object_id = excluded.object_id, duration_ms = excluded.duration_ms, phase = excluded.phase,
             truncated = excluded.truncated, path_sha256 = excluded.path_sha256, messages_sha256 = excluded.messages_sha256, dropped_fields = excluded.dropped_fields`,
        ),
        get: this.db.prepare(`SELECT ${COLUMNS} FROM audit WHERE request_id = ?`),
        probe: this.db.prepare('INSERT INTO audit_probe (id, time) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET time = excluded.time'),
      };
      this.prepareError = undefined;
    } catch (error) {
      this.prepareError = error as Error;
      this.logger.error({ event: 'audit-unavailable', error: this.prepareError.message, message: 'the audit database cannot be prepared; retrying on use' });
    }
  }

  private ready(): NonNullable<AuditStore['statements']> {
    if (!this.statements && Date.now() - this.preparedAt >= PREPARE_RETRY_MS) this.prepare();
    if (!this.statements) throw new Error(`audit database unavailable: ${this.prepareError?.message ?? 'not prepared'}`);
    return this.statements;
  }
}

interface Row {
  seq: number;
  time: string;
  request_id: string;
  client: string;
  method: string;
  route: string;
  route_class: DecisionRecord['routeClass'];
  path: string;
  api_version: string | null;
  decision: DecisionRecord['decision'];
  rules: string;
  messages: string;
  status: number;
  object_id: string | null;
  duration_ms: number;
  phase: 'admitted' | 'final';
  truncated: number;
  path_sha256: string | null;
  messages_sha256: string | null;
  dropped_fields: string | null;
}

function toRecord(row: Row): AuditRow {
  return {
    seq: row.seq,
    time: row.time,
    requestId: row.request_id,
    client: row.client,
    method: row.method,
    route: row.route,
    routeClass: row.route_class,
    path: row.path,
    apiVersion: row.api_version ?? undefined,
    decision: row.decision,
    rules: JSON.parse(row.rules) as string[],
    messages: JSON.parse(row.messages) as string[],
    status: row.status,
    objectId: row.object_id ?? undefined,
    durationMs: row.duration_ms,
    phase: row.phase,
    truncated: row.truncated === 1,
    pathSha256: row.path_sha256 ?? undefined,
    messagesSha256: row.messages_sha256 ?? undefined,
    ...(row.dropped_fields ? { droppedFields: JSON.parse(row.dropped_fields) as string[] } : {}),
  };
}
