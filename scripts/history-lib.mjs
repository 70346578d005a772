// Shared by the history-at-scale scripts (seed-history, measure-history, explain-history).
import { createRequire } from 'node:module';
import * as path from 'node:path';

/** `--name value` pairs of the command line as an object. */
export const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);

/** The seeded database file the scripts share (`--db`). */
export const DB = args.db ?? '/tmp/hist/sentinel.db';
/** A PostgreSQL database to seed / explain / measure instead of the SQLite file (`--pg postgresql://…`). */
export const PG = args.pg ?? null;

/** A module of the production build (dist/, so `npm run build` first). */
const require = createRequire(import.meta.url);
const dist = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../dist');
export const fromDist = (rel) => require(`${dist}/${rel}`);
export { require };

/**
 * The app's own Prisma client for the seeded database: the SQLite file (`--db`), or PostgreSQL
 * (`--pg`) through the client generated from the derived schema, as the server picks by DATABASE_URL.
 */
export function prismaClient(options = {}) {
  if (PG) {
    const { PrismaClient } = fromDist('generated/prisma-pg/client.js');
    const { PrismaPg } = require('@prisma/adapter-pg');
    return new PrismaClient({ adapter: new PrismaPg({ connectionString: PG }), ...options });
  }
  const { PrismaClient } = fromDist('generated/prisma/client.js');
  const { PrismaBetterSqlite3 } = require('@prisma/adapter-better-sqlite3');
  return new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: DB }), ...options });
}

/** Applies the committed migrations of that database's engine (as the server does at start-up). */
export async function migrate() {
  const { MIGRATIONS_DIR, PG_MIGRATIONS_DIR } = fromDist('prisma/database.js');
  if (PG) return fromDist('prisma/pg-migrator.js').applyPgMigrations(PG, PG_MIGRATIONS_DIR);
  return fromDist('prisma/migrator.js').applyMigrations(DB, MIGRATIONS_DIR);
}
