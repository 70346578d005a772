import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { maskDatabaseUrl, postgresSchema } from '../config/database-url';
import { MigrationError, MigrationResult, readMigrations, sameChecksum } from './migrator';
import { connectFailureMessage, errorText } from './pg-startup-wait';

/**
 * The PostgreSQL twin of applyMigrations (migrator.ts): applies prisma/postgresql/migrations and
 * records each in `_prisma_migrations` as Prisma's PostgreSQL schema engine does (same table,
 * timestamptz times), so `prisma migrate deploy --schema prisma/postgresql/schema.prisma` on a
 * machine with the engine sees them as applied. Several replicas start at once against one
 * server: the whole run holds Prisma's own advisory lock (72707369), so exactly one of them
 * migrates and the others wait, then find everything applied.
 */
const PRISMA_ADVISORY_LOCK = 72707369;

const MIGRATIONS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface Row {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export async function applyPgMigrations(
  connectionString: string,
  migrationsDir: string,
  { shownAs = maskDatabaseUrl(connectionString), connectTimeoutMs = 0 }: { shownAs?: string; connectTimeoutMs?: number } = {},
): Promise<MigrationResult> {
  // a server that accepts and never answers stops the start after connectTimeoutMs (0: waits, as node-postgres does)
  const db = new Client({ connectionString, connectionTimeoutMillis: connectTimeoutMs });
  // A connection the server ends (a restart mid-migration) is also emitted as an 'error' event;
  // unlistened, that event ended the process with a stack trace. The pending query rejects too,
  // and that rejection is what is reported.
  db.on('error', () => undefined);
  try {
    await db.connect();
  } catch (err) {
    // node-postgres's error is an object with a stack and a dozen fields: main.ts printed all of
    // it, naming neither DATABASE_URL nor which database. One line: where, and the server's reason.
    await db.end().catch(() => undefined);
    throw new MigrationError(connectFailureMessage(shownAs, err));
  }
  try {
    return await migrate(db, connectionString, migrationsDir);
  } catch (err) {
    if (err instanceof MigrationError) throw err;
    // the lock, the schema, the migrations table: a role that may not create them (PostgreSQL 15
    // no longer lets every role create tables in public) printed pg's raw error object and stack
    const code = (err as { code?: unknown } | null)?.code;
    throw new MigrationError(`Cannot migrate the PostgreSQL database ${shownAs} (DATABASE_URL): ${errorText(err)}${code === '42501' ? PRIVILEGE_HINT : ''}`);
  } finally {
    await db.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK]).catch(() => undefined);
    await db.end().catch(() => undefined);
  }
}

const PRIVILEGE_HINT =
  ' — the role in DATABASE_URL creates the tables at start-up: make it the owner of the database (CREATE DATABASE … OWNER …), ' +
  'or GRANT CREATE ON SCHEMA public (or ON DATABASE, for ?schema=) TO it; PostgreSQL 15 no longer lets every role create tables in public';

async function migrate(db: Client, connectionString: string, migrationsDir: string): Promise<MigrationResult> {
  await db.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK]);
  // `?schema=` (Prisma's convention, which `prisma migrate deploy` follows): the tables and
  // _prisma_migrations live there. It was ignored — everything went to public, beside (or into
  // a clash with) another application's tables, where migrate deploy would not look.
  const schema = postgresSchema(connectionString);
  if (schema !== 'public') await refuseTablesLeftInPublic(db, schema, readMigrations(migrationsDir)[0]?.name);
  if (schema !== 'public') await db.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await db.query(`SET search_path TO "${schema}"`);
  await db.query(MIGRATIONS_TABLE_SQL);
  const { rows } = await db.query<Row>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"');
  const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed) {
    throw new MigrationError(`Migration ${failed.migration_name} failed earlier and was not rolled back; resolve it before starting.`);
  }
  const done = new Map(rows.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r]));
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const m of readMigrations(migrationsDir)) {
    const prior = done.get(m.name);
    if (prior) {
      if (!sameChecksum(prior.checksum, m)) throw new MigrationError(`Migration ${m.name} was modified after it was applied (checksum mismatch).`);
      result.alreadyApplied.push(m.name);
      continue;
    }
    const id = randomUUID();
    const startedAt = new Date();
    try {
      // PostgreSQL DDL is transactional: a failing file leaves nothing half-applied.
      await db.query('BEGIN');
      await db.query(m.sql);
      await db.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
         VALUES ($1, $2, now(), $3, NULL, NULL, $4, 1)`,
        [id, m.checksum, m.name, startedAt],
      );
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      const logs = err instanceof Error ? err.message : String(err);
      await db.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
         VALUES ($1, $2, NULL, $3, $4, NULL, $5, 0)`,
        [id, m.checksum, m.name, logs, startedAt],
      );
      throw new MigrationError(`Migration ${m.name} failed: ${logs}`);
    }
    result.applied.push(m.name);
  }
  return result;
}

/**
 * Builds before ?schema= was honoured put everything in public whatever the URL said. Such a
 * deployment upgraded would have found the named schema empty, migrated it afresh and served an
 * empty history with a newly seeded admin, its data still in public. Refused instead, with the move.
 */
async function refuseTablesLeftInPublic(db: Client, schema: string, firstMigration: string | undefined): Promise<void> {
  const { rows } = await db.query<{ here: boolean; public: boolean }>(
    `SELECT to_regclass($1) IS NOT NULL AS here, to_regclass('public."_prisma_migrations"') IS NOT NULL AS public`,
    [`"${schema}"."_prisma_migrations"`],
  );
  if (rows[0]?.here || !rows[0]?.public || !firstMigration) return;
  // public's migrations table may be another Prisma application's (a shared database): ours has our first migration
  const ours = await db.query('SELECT 1 FROM public."_prisma_migrations" WHERE migration_name = $1 AND finished_at IS NOT NULL', [firstMigration]);
  if (!ours.rowCount) return;
  throw new MigrationError(
    `DATABASE_URL names ?schema=${schema}, which holds no MRI Sentinel tables, but public does (builds before ?schema= was honoured put them there): ` +
      `move them — CREATE SCHEMA IF NOT EXISTS "${schema}"; ALTER TABLE public."User" SET SCHEMA "${schema}"; (the same for "Session", "Analysis", "_prisma_migrations") — or drop ?schema= from DATABASE_URL.`,
  );
}
