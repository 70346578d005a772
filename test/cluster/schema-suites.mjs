// The database schema on PostgreSQL: the same as SQLite's, and the migration runner's guarantees.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import pg from 'pg';
import { ROOT, startReplica } from '../../scripts/cluster/lib.mjs';
import { ctx, db, ip, uniquePng } from './context.mjs';
import { analyse, bearer, request, token } from './http.mjs';

const require = createRequire(import.meta.url);

export function schemaSuites() {
  describe('schema: PostgreSQL and SQLite migration sets', () => {
    it('produce the same tables, columns, defaults, indexes, primary and foreign keys', async () => {
      const { applyMigrations } = require(path.join(ROOT, 'dist/prisma/migrator.js'));
      const { MIGRATIONS_DIR } = require(path.join(ROOT, 'dist/prisma/database.js'));
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'schema-')), 'x.db');
      applyMigrations(file, MIGRATIONS_DIR);
      const Database = require('better-sqlite3');
      const lite = new Database(file, { readonly: true });
      const sqlite = {};
      const norm = (d) => (d == null ? null : String(d).replace(/::[a-z ]+$/i, '').replace(/^current_timestamp$/i, 'CURRENT_TIMESTAMP'));
      for (const { name } of lite.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'").all()) {
        const cols = lite.prepare(`PRAGMA table_info("${name}")`).all();
        sqlite[name] = {
          columns: Object.fromEntries(cols.map((c) => [c.name, { type: c.type, nullable: c.notnull === 0 && c.pk === 0, default: norm(c.dflt_value) }])),
          primaryKey: cols.filter((c) => c.pk).map((c) => c.name),
          indexes: Object.fromEntries(
            lite.prepare(`PRAGMA index_list("${name}")`).all().filter((i) => i.origin === 'c').map((i) => [i.name, { unique: i.unique === 1, columns: lite.prepare(`PRAGMA index_info("${i.name}")`).all().map((x) => x.name) }]),
          ),
          foreignKeys: lite.prepare(`PRAGMA foreign_key_list("${name}")`).all().map((f) => ({ column: f.from, references: `${f.table}.${f.to}`, onDelete: f.on_delete, onUpdate: f.on_update })),
        };
      }
      const liteMigrations = lite.prepare('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY 1').all().map((r) => r.migration_name);
      lite.close();

      const TYPE = { text: 'TEXT', integer: 'INTEGER', 'double precision': 'REAL', boolean: 'BOOLEAN', 'timestamp without time zone': 'DATETIME' };
      const RULE = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };
      const postgres = {};
      const tables = await db("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'");
      for (const { table_name: t } of tables) {
        const cols = await db('SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2', ['public', t]);
        const pk = await db("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = $1::regclass AND i.indisprimary", [`"${t}"`]);
        const idx = await db(
          `SELECT c.relname AS name, i.indisunique AS unique, array_agg(a.attname::text ORDER BY k.n) AS columns
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = $1::regclass AND NOT i.indisprimary GROUP BY c.relname, i.indisunique`,
          [`"${t}"`],
        );
        const fks = await db(
          `SELECT a.attname AS column, cf.relname AS ftable, af.attname AS fcolumn, c.confdeltype AS del, c.confupdtype AS upd
             FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             JOIN pg_class cf ON cf.oid = c.confrelid JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND c.conrelid = $1::regclass`,
          [`"${t}"`],
        );
        postgres[t] = {
          columns: Object.fromEntries(cols.map((c) => [c.column_name, { type: TYPE[c.data_type] ?? c.data_type, nullable: c.is_nullable === 'YES', default: norm(c.column_default) }])),
          primaryKey: pk.map((r) => r.attname),
          indexes: Object.fromEntries(idx.map((i) => [i.name, { unique: i.unique, columns: i.columns }])),
          foreignKeys: fks.map((f) => ({ column: f.column, references: `${f.ftable}.${f.fcolumn}`, onDelete: RULE[f.del], onUpdate: RULE[f.upd] })),
        };
      }
      assert.deepEqual(Object.keys(postgres).sort(), ['Analysis', 'IdempotencyKey', 'Session', 'User']);
      assert.deepEqual(postgres, sqlite);
      const pgMigrations = (await db('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY 1')).map((r) => r.migration_name);
      assert.deepEqual(pgMigrations, liteMigrations, 'both sets have the same migrations, each applied once although both replicas started together');
    });
  });

  describe('PostgreSQL migration runner', () => {
    it('is idempotent, records a failure like Prisma and refuses to go on, refuses an edited migration', async () => {
      const { applyPgMigrations } = require(path.join(ROOT, 'dist/prisma/pg-migrator.js'));
      const { readMigrations } = require(path.join(ROOT, 'dist/prisma/migrator.js'));
      const { PG_MIGRATIONS_DIR } = require(path.join(ROOT, 'dist/prisma/database.js'));
      const committed = readMigrations(PG_MIGRATIONS_DIR);
      // an upgrade: the sets before "must change password", a user and an analysis, then the rest
      // (which brings "must change password" and the per-record thresholds)
      const NEW = '20261205150000_must_change_password';
      const THRESHOLDS = '20261205180000_analysis_thresholds';
      const olderDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgolder-'));
      for (const m of committed.filter((f) => f.name < NEW)) {
        fs.mkdirSync(path.join(olderDir, m.name));
        fs.writeFileSync(path.join(olderDir, m.name, 'migration.sql'), m.sql);
      }
      await db('CREATE DATABASE scratch');
      const url = ctx.cluster.postgres.url.replace(/\/sentinel$/, '/scratch');
      const older = await applyPgMigrations(url, olderDir);
      assert.equal(older.applied.length, committed.filter((f) => f.name < NEW).length);
      const s = new pg.Client({ connectionString: url });
      await s.connect();
      await s.query(`INSERT INTO "User" (id, email, "passwordHash") VALUES ('u1', 'old@example.test', 'scrypt$x')`);
      await s.query(`INSERT INTO "Analysis" (id, "userId", "byteSize", sha256, status) VALUES ('a1', 'u1', 1, 'f', 'completed')`);
      const first = await applyPgMigrations(url, PG_MIGRATIONS_DIR);
      assert.deepEqual(first.applied, committed.filter((f) => f.name >= NEW).map((f) => f.name));
      const upgraded = (await s.query(`SELECT "mustChangePassword" AS m FROM "User" WHERE id = 'u1'`)).rows[0];
      const oldAnalysis = (await s.query(`SELECT "thresholdsJson" AS t FROM "Analysis" WHERE id = 'a1'`)).rows[0];
      const recorded = (await s.query('SELECT migration_name, checksum, logs, applied_steps_count, finished_at FROM _prisma_migrations WHERE migration_name = ANY($1) ORDER BY 1', [[NEW, THRESHOLDS]])).rows;
      await s.end();
      assert.deepEqual(upgraded, { m: false }, 'users from before the column must not be asked to change their password');
      assert.deepEqual(oldAnalysis, { t: null }, 'analyses from before the column read "not recorded", never a threshold');
      assert.deepEqual(
        recorded.map((r) => [r.migration_name, r.checksum, r.logs, r.applied_steps_count, r.finished_at instanceof Date]),
        [NEW, THRESHOLDS].map((n) => [n, committed.find((f) => f.name === n).checksum, null, 1, true]),
      );
      const again = await applyPgMigrations(url, PG_MIGRATIONS_DIR);
      assert.deepEqual([again.applied.length, again.alreadyApplied.length], [0, committed.length]);

      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgmig-'));
      const put = (name, sql) => (fs.mkdirSync(path.join(dir, name), { recursive: true }), fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql));
      put('20000101000000_ok', 'CREATE TABLE "A" ("id" INTEGER);');
      put('20000102000000_bad', 'CREATE TABLE "B" ("id" INTEGER); CREATE TABLE nonsense (;');
      await db('CREATE DATABASE scratch2');
      const url2 = ctx.cluster.postgres.url.replace(/\/sentinel$/, '/scratch2');
      await assert.rejects(applyPgMigrations(url2, dir), /20000102000000_bad failed/);
      const c = new pg.Client({ connectionString: url2 });
      await c.connect();
      const rows = (await c.query('SELECT migration_name, finished_at, logs FROM _prisma_migrations ORDER BY 1')).rows;
      const tableB = (await c.query("SELECT to_regclass('public.\"B\"') AS t")).rows[0].t;
      await c.end();
      assert.equal(rows.length, 2);
      assert.ok(rows[0].finished_at && !rows[1].finished_at && rows[1].logs, 'the failure is recorded with finished_at NULL and its logs');
      assert.equal(tableB, null, 'the failed file left nothing behind (one transaction)');
      await assert.rejects(applyPgMigrations(url2, dir), /failed earlier/);

      fs.rmSync(path.join(dir, '20000102000000_bad'), { recursive: true });
      await db('CREATE DATABASE scratch3');
      const url3 = ctx.cluster.postgres.url.replace(/\/sentinel$/, '/scratch3');
      await applyPgMigrations(url3, dir);
      put('20000101000000_ok', 'CREATE TABLE "A" ("id" INTEGER, "x" TEXT);');
      await assert.rejects(applyPgMigrations(url3, dir), /checksum/);
    });
  });

  describe('DATABASE_URL ?schema= (a database shared with other applications)', () => {
    it('puts the tables and _prisma_migrations in that schema, where prisma migrate deploy looks, and serves from it', async () => {
      // Another application's "User" in public: the app used to ignore ?schema=, migrate into
      // public and stop at 'Migration 20261128140000_init failed: relation "User" already exists'.
      await db('CREATE DATABASE shared');
      const base = ctx.cluster.postgres.url.replace(/\/sentinel$/, '/shared');
      const s = new pg.Client({ connectionString: base });
      await s.connect();
      await s.query('CREATE TABLE "User" (id TEXT PRIMARY KEY, note TEXT)');
      // …which is a Prisma application too: its own migrations table in public, not ours
      await s.query('CREATE TABLE "_prisma_migrations" (id VARCHAR(36) PRIMARY KEY, migration_name VARCHAR(255) NOT NULL, finished_at TIMESTAMPTZ)');
      await s.query(`INSERT INTO "_prisma_migrations" VALUES ('x', '20250101000000_other_app', now())`);
      let replica;
      try {
        replica = await startReplica(ctx.cluster.dir, 9, { ...ctx.cluster.env, DATABASE_URL: `${base}?schema=mri`, REDIS_URL: '' });
        const from = ip();
        const tok = await token(replica.url, ctx.cluster.env.SEED_ADMIN_EMAIL, ctx.cluster.env.SEED_ADMIN_PASSWORD, from);
        const { png, sha } = await uniquePng();
        assert.equal((await analyse(replica.url, tok, png, from)).status, 200);
        const history = await request(`${replica.url}/api/v1/history`, { headers: bearer(tok), from });
        assert.deepEqual(history.json.items.map((i) => i.sha256), [sha]);
        const tables = (await s.query("SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema IN ('public', 'mri') ORDER BY 1")).rows.map((r) => r.t);
        assert.deepEqual(tables, ['mri.Analysis', 'mri.IdempotencyKey', 'mri.Session', 'mri.User', 'mri._prisma_migrations', 'public.User', 'public._prisma_migrations']);
        const { readMigrations } = require(path.join(ROOT, 'dist/prisma/migrator.js'));
        const { PG_MIGRATIONS_DIR } = require(path.join(ROOT, 'dist/prisma/database.js'));
        const recorded = (await s.query('SELECT migration_name, checksum FROM mri._prisma_migrations WHERE finished_at IS NOT NULL ORDER BY 1')).rows;
        assert.deepEqual(recorded, readMigrations(PG_MIGRATIONS_DIR).map((m) => ({ migration_name: m.name, checksum: m.checksum })));
        assert.deepEqual((await s.query('SELECT count(*)::int AS n FROM public."User"')).rows, [{ n: 0 }], "the other application's table is untouched");
        const ready = await request(`${replica.url}/readyz`);
        assert.equal(ready.status, 200, 'the write probe finds _prisma_migrations in the schema');
      } finally {
        await replica?.stop();
        await s.end();
      }
    });

    it('refuses to start afresh in the schema while an earlier build left the tables in public, and serves them once moved', async () => {
      // a deployment made before ?schema= was honoured: URL with ?schema=, tables in public
      const { applyPgMigrations } = require(path.join(ROOT, 'dist/prisma/pg-migrator.js'));
      const { PG_MIGRATIONS_DIR } = require(path.join(ROOT, 'dist/prisma/database.js'));
      await db('CREATE DATABASE legacy');
      const base = ctx.cluster.postgres.url.replace(/\/sentinel$/, '/legacy');
      await applyPgMigrations(base, PG_MIGRATIONS_DIR);
      const s = new pg.Client({ connectionString: base });
      await s.connect();
      await s.query(`INSERT INTO "User" (id, email, "passwordHash", role) VALUES ('old', 'old@legacy.test', 'scrypt$x', 'admin')`);
      const env = { ...ctx.cluster.env, DATABASE_URL: `${base}?schema=mri`, REDIS_URL: '' };
      let replica;
      try {
        const early = await startReplica(ctx.cluster.dir, 10, env).catch((err) => err);
        if (!(early instanceof Error)) await early.stop(); // started afresh in mri: the failure below, without a stray process
        assert.match(String(early?.message), /names \?schema=mri, which holds no MRI Sentinel tables, but public does/);
        assert.deepEqual((await s.query("SELECT to_regclass('mri._prisma_migrations') AS t")).rows, [{ t: null }], 'nothing was migrated into mri');
        // the move the message gives
        await s.query('CREATE SCHEMA IF NOT EXISTS "mri"');
        for (const t of ['User', 'Session', 'Analysis', '_prisma_migrations']) await s.query(`ALTER TABLE public."${t}" SET SCHEMA "mri"`);
        replica = await startReplica(ctx.cluster.dir, 10, env);
        assert.deepEqual((await s.query('SELECT email FROM mri."User" ORDER BY email')).rows.map((r) => r.email), ['old@legacy.test'], 'no second admin seeded: the old users are there');
      } finally {
        await replica?.stop();
        await s.end();
      }
    });
  });
}
