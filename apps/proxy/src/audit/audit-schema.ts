import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/** The WAL is cut back to this size whenever a checkpoint resets it. */
export const JOURNAL_SIZE_LIMIT = 16 * 1024 * 1024;
export const WAL_AUTOCHECKPOINT_PAGES = 256;

/** Columns added after the first release; each is added in place (additive only). */
const ADDED_COLUMNS: ReadonlyArray<[name: string, definition: string]> = [
  ['phase', "TEXT NOT NULL DEFAULT 'final'"],
  ['truncated', 'INTEGER NOT NULL DEFAULT 0'],
  ['path_sha256', 'TEXT'],
  ['messages_sha256', 'TEXT'],
  ['dropped_fields', 'TEXT'],
];

/**
 * The audit log holds clients' addresses and request paths: only the service
 * may read it. SQLite gives its -wal and -shm files the database file's mode,
 * so creating that one 0600 (before SQLite creates it with the umask's 0644)
 * covers all three; files of an older release are tightened in place.
 */
export function openAuditDatabase(path: string): Database.Database {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
  return new Database(path);
}

/**
 * Sets the connection up and creates or brings the table up to date. Throws when the database cannot be
 * written (full or read-only disk): the caller keeps the service running and
 * tries again later.
 */
export function prepareAuditSchema(db: Database.Database): void {
  // Each of these reads the file (and WAL mode needs the -shm file): on a full
  // disk they fail like any write, so they are here, retried, not at open.
  // auto_vacuum only takes effect on a database without tables (a new one); see
  // switchToIncrementalVacuum. Setting it writes the header even when unchanged,
  // so it is set only where it is not: a full disk must not fail it needlessly.
  if ((db.pragma('auto_vacuum', { simple: true }) as number) !== 2) {
    try {
      db.pragma('auto_vacuum = INCREMENTAL');
    } catch {
      // An older database on a full disk: it keeps its mode until a later start.
    }
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
  // A checkpoint runs in the committing call, on the event loop: 256 pages (1 MiB) a time keeps each one short.
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  db.exec(`
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
    CREATE TABLE IF NOT EXISTS audit_probe (id INTEGER PRIMARY KEY CHECK (id = 1), time TEXT NOT NULL);
  `);
  const existing = new Set((db.pragma('table_info(audit)') as Array<{ name: string }>).map((c) => c.name));
  for (const [name, definition] of ADDED_COLUMNS) {
    if (!existing.has(name)) db.exec(`ALTER TABLE audit ADD COLUMN ${name} ${definition}`);
  }
}

/**
 * A database created before auto_vacuum was set keeps every page it ever had:
 * pruning frees pages inside the file but the file never shrinks. Switching
 * takes one full VACUUM (which needs free space about the size of the database);
 * if that fails now, the next start tries again.
 */
export function switchToIncrementalVacuum(db: Database.Database): 'already' | 'switched' {
  if ((db.pragma('auto_vacuum', { simple: true }) as number) === 2) return 'already';
  db.pragma('auto_vacuum = INCREMENTAL');
  db.exec('VACUUM');
  return 'switched';
}
