import { PrismaPg } from '@prisma/adapter-pg';
import * as path from 'node:path';
import type { AppConfig } from '../config/config.service';
import { maskDatabaseUrl, postgresSchema } from '../config/database-url';
import { PrismaClient as SqliteClient } from '../generated/prisma/client';
import { PrismaClient as PgClient } from '../generated/prisma-pg/client';
import { LockWaitingSqliteAdapter, WriteGuard } from './sqlite-busy';
import { applyMigrations, MigrationError, MigrationResult, readMigrations } from './migrator';
import { applyPgMigrations } from './pg-migrator';
import { boundedPool } from './pg-pool';

/** Committed migrations, one set per engine; same relative location from src/prisma and dist/prisma. */
export const MIGRATIONS_DIR = path.resolve(__dirname, '../../prisma/migrations');
export const PG_MIGRATIONS_DIR = path.resolve(__dirname, '../../prisma/postgresql/migrations');

/**
 * The client type the repositories are written against. Both generated clients come from the same
 * models (prisma/postgresql/schema.prisma is derived from prisma/schema.prisma, checked by a unit
 * test), so their delegates take and return the same shapes; TypeScript cannot prove it across two
 * generated modules (their generic helper types are distinct declarations), hence one cast below.
 */
export type Db = SqliteClient;

/**
 * One client per process, chosen by DATABASE_URL. Prisma 7 fixes the provider inside a generated
 * client (the client rejects an adapter of another provider), so PostgreSQL uses its own client
 * generated from the derived schema. `beforeWrite` (SQLite only) may refuse any write statement.
 */
export function createDatabaseClient(config: AppConfig, beforeWrite?: WriteGuard): Db {
  if (config.databaseKind === 'sqlite') {
    return new SqliteClient({ adapter: new LockWaitingSqliteAdapter(config.databaseFile, config.databaseLockWaitMs, beforeWrite) });
  }
  // the schema the migrations went to (?schema=, else public): Prisma qualifies every model query with it
  const pool = boundedPool({ connectionString: config.databaseUrl, connectTimeoutMs: config.databaseConnectTimeoutMs, queryTimeoutMs: config.databaseQueryTimeoutMs });
  const pg = new PgClient({ adapter: new PrismaPg(pool, { schema: postgresSchema(config.databaseUrl), disposeExternalPool: true }) });
  return pg as unknown as Db;
}

/** The SQLite file, or a PostgreSQL URL without its password (start-up messages). */
export function describeDatabase(config: AppConfig): string {
  if (config.databaseKind === 'sqlite') return config.databaseFile;
  return maskDatabaseUrl(config.databaseUrl);
}

/**
 * The migrations table for raw statements, in the schema the models are in: Prisma qualifies its
 * own queries with `?schema=`, but raw SQL goes by the connection's search_path.
 */
export function migrationsTable(config: AppConfig): string {
  return config.databaseKind === 'sqlite' ? '"_prisma_migrations"' : `"${postgresSchema(config.databaseUrl)}"."_prisma_migrations"`;
}

/** The start-up migration runner for the configured engine. */
export async function migrateDatabase(config: AppConfig): Promise<MigrationResult> {
  return config.databaseKind === 'sqlite'
    ? applyMigrations(config.databaseFile, MIGRATIONS_DIR)
    : applyPgMigrations(config.databaseUrl, PG_MIGRATIONS_DIR, { shownAs: maskDatabaseUrl(config.databaseUrl), connectTimeoutMs: config.databaseConnectTimeoutMs });
}

/**
 * Migrations recorded as applied that this build does not have: the database was migrated by a
 * newer MRI Sentinel (a rolled-back deployment). Nothing said so: the older build started and
 * wrote rows without whatever those migrations added, or failed on them at request time. Like
 * Prisma's `migrate deploy`, this is a warning, not a refusal: a rollback over additive
 * migrations is a legitimate way back.
 */
export async function foreignMigrations(client: Db, config: AppConfig): Promise<string[]> {
  const committed = new Set(readMigrations(config.databaseKind === 'sqlite' ? MIGRATIONS_DIR : PG_MIGRATIONS_DIR).map((m) => m.name));
  const rows = await client.$queryRawUnsafe<{ migration_name: string }[]>(
    `SELECT "migration_name" FROM ${migrationsTable(config)} WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL ORDER BY "migration_name"`,
  );
  return rows.map((r) => r.migration_name).filter((name) => !committed.has(name));
}

/**
 * With DB_MIGRATE_ON_START=false nothing checked the schema: an unmigrated (or unreadable)
 * database surfaced later as Prisma's multi-line "Invalid `this.prisma.user.count()` invocation …
 * table `main.User` does not exist". This names the database, what is missing and the way out,
 * in one line, before anything queries a table.
 */
export async function requireMigrated(client: Db, config: AppConfig): Promise<void> {
  const where = describeDatabase(config);
  const committed = readMigrations(config.databaseKind === 'sqlite' ? MIGRATIONS_DIR : PG_MIGRATIONS_DIR).map((m) => m.name);
  const fix = 'start once with DB_MIGRATE_ON_START=true (or apply the committed migrations) first';
  let rows: { migration_name: string }[];
  try {
    rows = await client.$queryRawUnsafe<{ migration_name: string }[]>(
      `SELECT "migration_name" FROM ${migrationsTable(config)} WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL`,
    );
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n').filter(Boolean).pop() : String(err);
    const unmigrated = /no such table|does not exist/i.test(reason ?? '');
    throw new MigrationError(
      unmigrated
        ? `The database ${where} has not been migrated and DB_MIGRATE_ON_START is false: ${fix}.`
        : `Cannot read the database ${where} (DB_MIGRATE_ON_START is false): ${reason}`,
    );
  }
  const applied = new Set(rows.map((r) => r.migration_name));
  const missing = committed.filter((name) => !applied.has(name));
  if (missing.length) {
    throw new MigrationError(
      `The database ${where} lacks ${missing.length} of ${committed.length} migrations (${missing.join(', ')}) and DB_MIGRATE_ON_START is false: ${fix}.`,
    );
  }
}
