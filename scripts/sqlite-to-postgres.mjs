// Moves an MRI Sentinel SQLite database (users, sessions and tokens, history) into an empty
// PostgreSQL database: the way from the quick start's data/sentinel.db to "Scaling out".
//   npm run build && node scripts/sqlite-to-postgres.mjs --from data/sentinel.db --to 'postgresql://…'
// Stop the app first (a row written after the copy began would be left behind). The target is
// migrated with the app's own runner (?schema= honoured) and must hold no user yet; everything is
// copied in one transaction, so a failure leaves it empty. Exit 0 with the row counts, 1 otherwise.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const Database = require('better-sqlite3');
const TABLES = ['User', 'Session', 'Analysis']; // foreign keys point backwards in this order
const BATCH = 500;

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  if (!out.from || !out.to) throw new Error('usage: node scripts/sqlite-to-postgres.mjs --from data/sentinel.db --to postgresql://user:pw@host:5432/db[?schema=name]');
  if (!fs.existsSync(out.from)) throw new Error(`--from ${out.from}: no such file`);
  return out;
}

/** SQLite's value as PostgreSQL's column type wants it. Dates: Prisma's SQLite adapter writes ISO text (older rows: epoch ms). */
function convert(value, type) {
  if (value === null || value === undefined) return null;
  if (type === 'boolean') return value === 1 || value === true || value === '1' || value === 'true';
  if (type.startsWith('timestamp')) {
    const d = new Date(typeof value === 'number' || /^\d+$/.test(String(value)) ? Number(value) : String(value));
    if (Number.isNaN(d.getTime())) throw new Error(`not a date: ${value}`);
    return d.toISOString().replace('Z', ''); // the columns are UTC without a zone, as Prisma writes them
  }
  return value;
}

async function main() {
  const { from, to } = args(process.argv.slice(2));
  const dist = (p) => require(path.join(ROOT, 'dist', p));
  const { readMigrations } = dist('prisma/migrator.js');
  const { MIGRATIONS_DIR, PG_MIGRATIONS_DIR } = dist('prisma/database.js');
  const { applyPgMigrations } = dist('prisma/pg-migrator.js');
  const { maskDatabaseUrl, postgresSchema } = dist('config/database-url.js');

  const lite = new Database(from, { readonly: true, fileMustExist: true });
  const applied = new Set(lite.prepare('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL').all().map((r) => r.migration_name));
  const missing = readMigrations(MIGRATIONS_DIR).filter((m) => !applied.has(m.name)).map((m) => m.name);
  if (missing.length) throw new Error(`${from} lacks ${missing.join(', ')}: start this MRI Sentinel on it once (it migrates the file), then copy`);

  await applyPgMigrations(to, PG_MIGRATIONS_DIR);
  const db = new pg.Client({ connectionString: to });
  db.on('error', () => undefined);
  await db.connect();
  const schema = postgresSchema(to);
  const counts = {};
  try {
    await db.query(`SET search_path TO "${schema}"`);
    const users = (await db.query('SELECT count(*)::int AS n FROM "User"')).rows[0].n;
    if (users) throw new Error(`${maskDatabaseUrl(to)} already has ${users} user(s): copy into an empty database`);
    await db.query('BEGIN');
    for (const table of TABLES) {
      const cols = (await db.query('SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position', [schema, table])).rows;
      const rows = lite.prepare(`SELECT * FROM "${table}"`).all();
      for (let i = 0; i < rows.length; i += BATCH) {
        const batch = rows.slice(i, i + BATCH);
        const values = [];
        const tuples = batch.map((row) => `(${cols.map((c) => `$${values.push(convert(row[c.column_name], c.data_type))}`).join(', ')})`);
        await db.query(`INSERT INTO "${table}" (${cols.map((c) => `"${c.column_name}"`).join(', ')}) VALUES ${tuples.join(', ')}`, values);
      }
      counts[table] = rows.length;
    }
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await db.end();
    lite.close();
  }
  console.log(`Copied ${from} → ${maskDatabaseUrl(to)}: ${TABLES.map((t) => `${counts[t]} ${t}`).join(', ')}.`);
}

main().catch((err) => {
  console.error(`Not copied: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
