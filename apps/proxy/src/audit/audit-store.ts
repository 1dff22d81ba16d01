import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DecisionRecord } from '../observability/decision-record';

export interface AuditQuery {
  readonly decision?: string;
  readonly rule?: string;
  readonly route?: string;
  readonly client?: string;
  readonly since?: string;
  readonly until?: string;
  readonly container?: string;
  readonly cursor?: number;
  readonly limit: number;
}

export interface AuditRow extends DecisionRecord {
  readonly seq: number;
}

const COLUMNS = 'seq, time, request_id, client, method, route, route_class, path, api_version, decision, rules, messages, status, object_id, duration_ms, dropped_fields';

/**
 * The audit log: SQLite in WAL mode. An insert returns only once the record is
 * in the write-ahead log, so a process killed right after loses nothing that
 * was acknowledged.
 */
export class AuditStore {
  private readonly db: Database.Database;
  private readonly insertStatement: Database.Statement;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        request_id TEXT NOT NULL UNIQUE,
        client TEXT NOT NULL,
        method TEXT NOT NULL,
        route TEXT NOT NULL,
        route_class TEXT NOT NULL,
        path TEXT NOT NULL,
        api_version TEXT,
        decision TEXT NOT NULL,
        rules TEXT NOT NULL,
        messages TEXT NOT NULL,
        status INTEGER NOT NULL,
        object_id TEXT,
        duration_ms REAL NOT NULL
      );
      CREATE INDEX IF NOT EXISTS audit_time ON audit (time);
      CREATE INDEX IF NOT EXISTS audit_decision ON audit (decision, seq);
      CREATE INDEX IF NOT EXISTS audit_object ON audit (object_id);
    `);
    // Added after the first release: a log written before it gains the column.
    const columns = this.db.prepare('PRAGMA table_info(audit)').all() as Array<{ name: string }>;
    if (!columns.some((column) => column.name === 'dropped_fields')) this.db.exec('ALTER TABLE audit ADD COLUMN dropped_fields TEXT');
    this.insertStatement = this.db.prepare(
      `INSERT INTO audit (time, request_id, client, method, route, route_class, path, api_version, decision, rules, messages, status, object_id, duration_ms, dropped_fields)
       VALUES (@time, @requestId, @client, @method, @route, @routeClass, @path, @apiVersion, @decision, @rules, @messages, @status, @objectId, @durationMs, @droppedFields)`,
    );
  }

  insert(record: DecisionRecord): void {
    this.insertStatement.run({
      ...record,
      apiVersion: record.apiVersion ?? null,
      objectId: record.objectId ?? null,
      rules: JSON.stringify(record.rules),
      messages: JSON.stringify(record.messages),
      droppedFields: record.droppedFields ? JSON.stringify(record.droppedFields) : null,
    });
  }

  get(requestId: string): AuditRow | undefined {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM audit WHERE request_id = ?`).get(requestId);
    return row ? toRecord(row as Row) : undefined;
  }

  /** Newest first; `cursor` is the `seq` of the last record of the previous page. */
  query(query: AuditQuery): { records: AuditRow[]; nextCursor?: number } {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: query.limit };
    const add = (clause: string, key: string, value: unknown) => {
      if (value === undefined || value === '') return;
      where.push(clause);
      params[key] = value;
    };
    add('decision = @decision', 'decision', query.decision);
    add("EXISTS (SELECT 1 FROM json_each(rules) WHERE json_each.value = @rule)", 'rule', query.rule);
    add('route = @route', 'route', query.route);
    add("(client = @client OR client LIKE @client || ':%')", 'client', query.client);
    add('time >= @since', 'since', query.since);
    add('time < @until', 'until', query.until);
    add("(object_id LIKE @container || '%' OR path LIKE '%/containers/' || @container || '%')", 'container', query.container);
    add('seq < @cursor', 'cursor', query.cursor);
    const sql = `SELECT ${COLUMNS} FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT @limit`;
    const records = (this.db.prepare(sql).all(params) as Row[]).map(toRecord);
    return { records, nextCursor: records.length === query.limit ? records[records.length - 1].seq : undefined };
  }

  /** Retention by age and by count; returns how many records went. */
  prune(maxAgeDays: number, maxRecords: number, now = new Date()): number {
    const cutoff = new Date(now.getTime() - maxAgeDays * 86_400_000).toISOString();
    const byAge = this.db.prepare('DELETE FROM audit WHERE time < ?').run(cutoff).changes;
    const byCount = this.db
      .prepare('DELETE FROM audit WHERE seq <= (SELECT seq FROM audit ORDER BY seq DESC LIMIT 1 OFFSET ?)')
      .run(maxRecords).changes;
    return byAge + byCount;
  }

  close(): void {
    this.db.close();
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
    ...(row.dropped_fields ? { droppedFields: JSON.parse(row.dropped_fields) as string[] } : {}),
    durationMs: row.duration_ms,
  };
}
