import Database from 'better-sqlite3';
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Applies committed `prisma/migrations/<name>/migration.sql` files to a SQLite database and
 * records them in `_prisma_migrations` exactly as Prisma's SQLite schema engine does, so that
 * `prisma migrate deploy` on a machine with the engine sees them as applied. We cannot run
 * Prisma's own migrate offline (its engine is a download), hence this runner.
 */

/** The table as Prisma's SQLite engine creates it (same columns, types and defaults). */
const MIGRATIONS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: number | string | null;
  rolled_back_at: number | string | null;
}

export function readMigrations(migrationsDir: string): MigrationFile[] {
  if (!fs.existsSync(migrationsDir)) return [];
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(migrationsDir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: sha256Hex(sql) };
    });
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Whether a recorded checksum is this migration's, as Prisma's engine decides it since 2.29
 * (prisma-engines #2101): the file's bytes, or the same text with LF or with CRLF line endings. A
 * release built from a checkout with the other line endings (git core.autocrlf) is the same
 * migration; it was "modified after it was applied" and the start-up stopped.
 */
export function sameChecksum(recorded: string, m: MigrationFile): boolean {
  if (recorded === m.checksum) return true;
  const lf = m.sql.replace(/\r\n/g, '\n');
  return recorded === sha256Hex(lf) || recorded === sha256Hex(lf.replace(/\n/g, '\r\n'));
}

/**
 * The SQLite file opened read-write, its folder created first; a path that cannot hold it (a
 * read-only or missing folder, a file where a folder should be, /proc…) is a MigrationError that
 * names the path and the reason, instead of a driver stack trace.
 */
export function openDatabaseFile(databaseFile: string): Database.Database {
  try {
    makeFolders(path.dirname(databaseFile));
    return new Database(databaseFile);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new MigrationError(
      `Cannot open or create the SQLite database ${databaseFile} (${reason}). DATABASE_URL must name a file in a folder ` +
        'this user can write to (SQLite also writes its -wal and -shm files beside it).',
    );
  }
}

/**
 * mkdir -p, one level at a time: Node 20's fs.mkdirSync(…, { recursive: true }) never returns for a
 * path under /proc (mkdir answers ENOENT for a parent that exists, and it retries forever, deaf to
 * SIGTERM), so a mistyped DATABASE_URL hung the start-up.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing) fs.mkdirSync(d);
}

/** What an operator does about SQLite's refusal of the file, by its result code. */
const SQLITE_ADVICE: [RegExp, string][] = [
  [/^SQLITE_NOTADB/, 'is not an SQLite database (or is encrypted, or its header is damaged): point DATABASE_URL to the right file, or restore it from a backup'],
  [/^SQLITE_CORRUPT/, 'is damaged: restore it from a backup (sqlite3\'s .recover may save its rows), or point DATABASE_URL to a new file'],
  [/^SQLITE_(BUSY|LOCKED)/, 'is locked by another process: stop the other writer (another MRI Sentinel on the same file?) and start again'],
  [/^SQLITE_READONLY/, 'cannot be written (a read-only file, folder or mount)'],
  // the file itself opened: what SQLite could not open is the -wal / -shm beside it (a read-only folder)
  [/^SQLITE_CANTOPEN/, 'cannot be opened with its -wal and -shm files beside it: the folder must be writable by this user'],
  [/^SQLITE_FULL/, 'cannot grow: the disk is full'],
  [/^SQLITE_IOERR/, 'could not be read or written (an I/O error: the disk, or a network file system)'],
];

/**
 * A driver error from the start-up migration as one line naming the file, SQLite's reason and
 * what to do. It was better-sqlite3's stack trace ("SqliteError: file is not a database … at
 * applyMigrations …") for a file that is not a database or a damaged one.
 */
export function sqliteFailure(databaseFile: string, err: unknown): MigrationError {
  // read as properties: the driver's error may come from another realm (jest), where instanceof Error fails
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const reason = typeof e.message === 'string' ? e.message : String(err);
  const advice = SQLITE_ADVICE.find(([re]) => re.test(code))?.[1] ?? 'could not be migrated';
  return new MigrationError(`The database ${databaseFile} ${advice} (${code ? `${code}: ` : ''}${reason}).`);
}

export function applyMigrations(databaseFile: string, migrationsDir: string): MigrationResult {
  const db = openDatabaseFile(databaseFile);
  try {
    return migrate(db, migrationsDir);
  } catch (err) {
    throw err instanceof MigrationError ? err : sqliteFailure(databaseFile, err);
  } finally {
    db.close();
  }
}

function migrate(db: Database.Database, migrationsDir: string): MigrationResult {
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.exec(MIGRATIONS_TABLE_SQL);
  const rows = db
    .prepare('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"')
    .all() as MigrationRow[];

  // Like Prisma (P3009): a failed, not rolled-back migration blocks everything until resolved.
  const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed) {
    throw new MigrationError(
      `Migration ${failed.migration_name} failed earlier and was not rolled back; resolve it before starting.`,
    );
  }
  const done = new Map(rows.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r]));
  const result: MigrationResult = { applied: [], alreadyApplied: [] };

  for (const m of readMigrations(migrationsDir)) {
    const prior = done.get(m.name);
    if (prior) {
      if (!sameChecksum(prior.checksum, m)) {
        throw new MigrationError(`Migration ${m.name} was modified after it was applied (checksum mismatch).`);
      }
      result.alreadyApplied.push(m.name);
      continue;
    }
    const id = randomUUID();
    const startedAt = Date.now();
    try {
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
           VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)`,
        ).run(id, m.checksum, Date.now(), m.name, startedAt);
      })();
    } catch (err) {
      const logs = err instanceof Error ? err.message : String(err);
      // The SQL was rolled back with the transaction; record the failure as Prisma does.
      db.prepare(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
         VALUES (?, ?, NULL, ?, ?, NULL, ?, 0)`,
      ).run(id, m.checksum, m.name, logs, startedAt);
      throw new MigrationError(`Migration ${m.name} failed: ${logs}`);
    }
    result.applied.push(m.name);
  }
  return result;
}
