import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import * as path from 'node:path';
import type { AppConfig } from '../config/config.service';
import { PrismaClient as SqliteClient } from '../generated/prisma/client';
import { PrismaClient as PgClient } from '../generated/prisma-pg/client';
import { applyMigrations, MigrationResult } from './migrator';
import { applyPgMigrations } from './pg-migrator';

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
 * generated from the derived schema.
 */
export function createDatabaseClient(config: AppConfig): Db {
  if (config.databaseKind === 'sqlite') {
    return new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: config.databaseFile }) });
  }
  const pg = new PgClient({ adapter: new PrismaPg({ connectionString: config.databaseUrl }) });
  return pg as unknown as Db;
}

/** The start-up migration runner for the configured engine. */
export async function migrateDatabase(config: AppConfig): Promise<MigrationResult> {
  return config.databaseKind === 'sqlite'
    ? applyMigrations(config.databaseFile, MIGRATIONS_DIR)
    : applyPgMigrations(config.databaseUrl, PG_MIGRATIONS_DIR);
}
