// The cluster suite (node --test; .ci/run's cluster stage): real PostgreSQL, real Redis, two
// replicas of the production build and HAProxy, all started here and stopped at the end.
// Fake contract models (test/fixtures/fake-models) keep the analyses cheap: this suite is about
// state shared between replicas, not about the models.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import sharp from 'sharp';
import { ROOT, startCluster, waitFor } from '../../scripts/cluster/lib.mjs';
import { analyse, bearer, json, request, token } from './http.mjs';

const require = createRequire(import.meta.url);
const ANALYSES_PER_MINUTE = 20;
const REQUESTS_PER_MINUTE = 40;
const LOGIN_PER_ACCOUNT = 5;
const LOGIN_FAILURES_PER_ACCOUNT = 12;

let cluster;
let admin;
let nextIp = 0;
/** A fresh client address for each simulated client: its own per-IP counters. */
const ip = () => `127.0.${20 + Math.floor(nextIp / 250)}.${(nextIp++ % 250) + 1}`;
let colour = 0;
/** A PNG no other request of this run sends (unique sha256): history rows can be matched to requests. */
async function uniquePng() {
  const c = colour++;
  const png = await sharp({ create: { width: 96, height: 96, channels: 3, background: { r: c & 255, g: (c >> 8) & 255, b: 128 } } }).png().toBuffer();
  return { png, sha: createHash('sha256').update(png).digest('hex') };
}
async function newUser(role = 'user') {
  const email = `u${nextIp}-${Date.now()}@cluster.test`;
  const password = `pw-${email}-long`;
  const b = json({ email, password, role });
  const from = ip();
  const r = await request(`${cluster.url}/api/v1/users`, { method: 'POST', headers: { ...bearer(admin), 'content-type': b.type }, body: b.body, from });
  assert.ok(r.status === 200 || r.status === 201, `create user: ${r.status} ${r.text}`);
  // the admin knows that password: the user chooses their own before anything else answers
  const own = `${password}-own`;
  const c = json({ current: password, password: own });
  const changed = await request(`${cluster.url}/api/v1/auth/password`, { method: 'POST', headers: { ...bearer(await token(cluster.url, email, password, from)), 'content-type': c.type }, body: c.body, from });
  assert.equal(changed.status, 200, `own password: ${changed.text}`);
  return { email, password: own, id: r.json.id };
}
async function db(sql, params) {
  const c = new pg.Client({ connectionString: cluster.postgres.url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}

before(async () => {
  cluster = await startCluster({
    replicas: 2,
    env: {
      MODELS_DIR: path.join(ROOT, 'test/fixtures/fake-models'),
      INFERENCE_WORKERS: '0',
      RATE_LIMIT_ANALYSES_PER_MINUTE: String(ANALYSES_PER_MINUTE),
      RATE_LIMIT_REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE),
      RATE_LIMIT_LOGIN_PER_ACCOUNT: String(LOGIN_PER_ACCOUNT),
      RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: String(LOGIN_FAILURES_PER_ACCOUNT),
    },
    log: (m) => console.log(`# ${m}`),
  });
  admin = await token(cluster.url, cluster.env.SEED_ADMIN_EMAIL, cluster.env.SEED_ADMIN_PASSWORD, ip());
});

after(async () => {
  await cluster?.stop();
});

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
    assert.deepEqual(Object.keys(postgres).sort(), ['Analysis', 'Session', 'User']);
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
    // an upgrade: the sets before "must change password", a user, then the rest
    const NEW = '20261205150000_must_change_password';
    const olderDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgolder-'));
    for (const m of committed.filter((f) => f.name < NEW)) {
      fs.mkdirSync(path.join(olderDir, m.name));
      fs.writeFileSync(path.join(olderDir, m.name, 'migration.sql'), m.sql);
    }
    await db('CREATE DATABASE scratch');
    const url = cluster.postgres.url.replace(/\/sentinel$/, '/scratch');
    const older = await applyPgMigrations(url, olderDir);
    assert.equal(older.applied.length, committed.filter((f) => f.name < NEW).length);
    const s = new pg.Client({ connectionString: url });
    await s.connect();
    await s.query(`INSERT INTO "User" (id, email, "passwordHash") VALUES ('u1', 'old@example.test', 'scrypt$x')`);
    const first = await applyPgMigrations(url, PG_MIGRATIONS_DIR);
    assert.deepEqual(first.applied, committed.filter((f) => f.name >= NEW).map((f) => f.name));
    const upgraded = (await s.query(`SELECT "mustChangePassword" AS m FROM "User" WHERE id = 'u1'`)).rows[0];
    const recorded = (await s.query('SELECT checksum, logs, applied_steps_count, finished_at FROM _prisma_migrations WHERE migration_name = $1', [NEW])).rows[0];
    await s.end();
    assert.deepEqual(upgraded, { m: false }, 'users from before the column must not be asked to change their password');
    assert.deepEqual([recorded.checksum, recorded.logs, recorded.applied_steps_count, recorded.finished_at instanceof Date], [committed.find((f) => f.name === NEW).checksum, null, 1, true]);
    const again = await applyPgMigrations(url, PG_MIGRATIONS_DIR);
    assert.deepEqual([again.applied.length, again.alreadyApplied.length], [0, committed.length]);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgmig-'));
    const put = (name, sql) => (fs.mkdirSync(path.join(dir, name), { recursive: true }), fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql));
    put('20000101000000_ok', 'CREATE TABLE "A" ("id" INTEGER);');
    put('20000102000000_bad', 'CREATE TABLE "B" ("id" INTEGER); CREATE TABLE nonsense (;');
    await db('CREATE DATABASE scratch2');
    const url2 = cluster.postgres.url.replace(/\/sentinel$/, '/scratch2');
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
    const url3 = cluster.postgres.url.replace(/\/sentinel$/, '/scratch3');
    await applyPgMigrations(url3, dir);
    put('20000101000000_ok', 'CREATE TABLE "A" ("id" INTEGER, "x" TEXT);');
    await assert.rejects(applyPgMigrations(url3, dir), /checksum/);
  });
});

describe('state shared between replicas', () => {
  it('a token and a browser session made on one replica work on the other', async () => {
    const [r0, r1] = cluster.replicas.map((r) => r.url);
    const u = await newUser();
    const from = ip();
    const tok = await token(r0, u.email, u.password, from);
    const me = await request(`${r1}/api/v1/auth/me`, { headers: bearer(tok), from });
    assert.equal(me.status, 200);
    assert.equal(me.json.email, u.email);

    // browser: CSRF cookie + form token from replica 0, the login form posted to replica 1
    const page = await request(`${r0}/login`, { headers: { accept: 'text/html' }, from });
    const csrfCookie = page.headers['set-cookie'].map((c) => c.split(';')[0]).join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)[1];
    const form = Buffer.from(new URLSearchParams({ _csrf: csrf, email: u.email, password: u.password }).toString());
    const login = await request(`${r1}/login`, { method: 'POST', headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: form, from });
    assert.ok([302, 303].includes(login.status), `login: ${login.status}`);
    const session = login.headers['set-cookie'].map((c) => c.split(';')[0]).filter((c) => c.startsWith('sentinel_'));
    const cookie = [...new Set([...session, ...csrfCookie.split('; ')].map((c) => c.split('=')[0]))].map((n) => [...session, ...csrfCookie.split('; ')].find((c) => c.startsWith(`${n}=`))).join('; ');
    const history = await request(`${r0}/history`, { headers: { cookie, accept: 'text/html' }, from });
    assert.equal(history.status, 200, 'the session cookie set by replica 1 is accepted by replica 0');
  });

  it('history written through one replica is read through the other', async () => {
    const [r0, r1] = cluster.replicas.map((r) => r.url);
    const u = await newUser();
    const from = ip();
    const tok = await token(r0, u.email, u.password, from);
    const { png, sha } = await uniquePng();
    const res = await analyse(r0, tok, png, from);
    assert.equal(res.status, 200, res.text);
    const list = await request(`${r1}/api/v1/history`, { headers: bearer(tok), from });
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.items.map((i) => i.sha256), [sha]);
    // the summary (groupBy, counts) and the admin CSV export run on PostgreSQL too
    const summary = await request(`${r1}/api/v1/history/summary`, { headers: bearer(tok), from });
    assert.equal(summary.status, 200);
    assert.equal(summary.json.total, 1);
    const csv = await request(`${r0}/api/v1/history/export.csv?user=${encodeURIComponent(u.email)}`, { headers: bearer(admin), from: ip() });
    assert.equal(csv.status, 200);
    assert.ok(csv.text.includes(sha), 'the admin export through the other replica lists it');
  });

  it('per-user, per-IP and per-account limits hold across replicas (shared Redis counters)', async () => {
    const u = await newUser();
    const from = ip();
    const tok = await token(cluster.url, u.email, u.password, from);
    const served = new Set();
    for (let i = 0; i < ANALYSES_PER_MINUTE; i++) {
      const r = await analyse(cluster.url, tok, (await uniquePng()).png, ip()); // a new IP each time: only the user limit counts
      assert.equal(r.status, 200, `analysis ${i + 1}: ${r.status}`);
      served.add(r.headers['x-served-by']);
    }
    assert.deepEqual([...served].sort(), ['app0', 'app1'], 'the balancer spread them over both replicas');
    for (const r of cluster.replicas) assert.equal((await analyse(r.url, tok, (await uniquePng()).png, ip())).status, 429, `replica ${r.index} refuses analysis ${ANALYSES_PER_MINUTE + 1}`);

    const client = ip();
    const seen = new Set();
    let statuses = [];
    for (let i = 0; i < REQUESTS_PER_MINUTE + 2; i++) {
      const r = await request(`${cluster.url}/api/v1/auth/me`, { headers: bearer(admin), from: client });
      statuses.push(r.status);
      seen.add(r.headers['x-served-by']);
    }
    // one earlier request of this IP? none: it is fresh. So exactly the limit passes, then 429s.
    assert.deepEqual(statuses, [...Array(REQUESTS_PER_MINUTE).fill(200), 429, 429]);
    assert.equal(seen.size, 2);

    /** A token request on replica i % 2, from a fresh IP (only the per-account limit counts). */
    const tryLogin = async (i, email, password) => {
      const b = json({ email, password });
      return (await request(`${cluster.replicas[i % 2].url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': b.type }, body: b.body, from: ip() })).status;
    };
    const v = await newUser();
    statuses = [];
    for (let i = 0; i <= LOGIN_PER_ACCOUNT; i++) statuses.push(await tryLogin(i, v.email, 'wrong password!'));
    assert.deepEqual(statuses, [...Array(LOGIN_PER_ACCOUNT).fill(401), 429], 'guessing one account alternately on both replicas');
    statuses = [];
    for (let i = 0; i < LOGIN_PER_ACCOUNT; i++) statuses.push(await tryLogin(i, v.email, v.password));
    assert.deepEqual(statuses, Array(LOGIN_PER_ACCOUNT).fill(429), 'blocked stays blocked, the right password too');

    // only failures add up: a success on either replica clears the shared count
    const w = await newUser();
    const wrong = async (n) => {
      for (let i = 0; i < n; i++) statuses.push(await tryLogin(i, w.email, 'wrong password!'));
    };
    statuses = [];
    for (let i = 0; i <= LOGIN_PER_ACCOUNT; i++) statuses.push(await tryLogin(i, w.email, w.password));
    await wrong(LOGIN_PER_ACCOUNT - 1);
    statuses.push(await tryLogin(1, w.email, w.password));
    await wrong(LOGIN_PER_ACCOUNT - 1);
    assert.deepEqual(statuses, [...Array(LOGIN_PER_ACCOUNT + 1).fill(200), ...Array(LOGIN_PER_ACCOUNT - 1).fill(401), 200, ...Array(LOGIN_PER_ACCOUNT - 1).fill(401)], 'successes do not count, and reset the failures on both replicas');
  });

  it('failed logins add up across replicas over the long window; the owner\'s logins in between clear nothing', async () => {
    const tryLogin = async (i, email, password) => {
      const b = json({ email, password });
      return (await request(`${cluster.replicas[i % 2].url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': b.type }, body: b.body, from: ip() })).status;
    };
    const x = await newUser();
    const statuses = [];
    // rounds of 4 wrong guesses on alternate replicas, the owner logging in between (on the other replica)
    for (let round = 0; round < LOGIN_FAILURES_PER_ACCOUNT / (LOGIN_PER_ACCOUNT - 1); round++) {
      if (round > 0) statuses.push(await tryLogin(round + 1, x.email, x.password));
      for (let i = 0; i < LOGIN_PER_ACCOUNT - 1; i++) statuses.push(await tryLogin(i + round, x.email, 'wrong password!'));
    }
    const round = [...Array(LOGIN_PER_ACCOUNT - 1).fill(401)];
    assert.deepEqual(statuses, [...round, 200, ...round, 200, ...round], 'the owner logs in between the guesses');
    const refused = [];
    for (let i = 0; i < 2; i++) {
      const b = json({ email: x.email, password: i ? x.password : 'wrong password!' });
      refused.push(await request(`${cluster.replicas[i].url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': b.type }, body: b.body, from: ip() }));
    }
    assert.deepEqual(refused.map((r) => r.status), [429, 429], 'the 13th attempt refused on one replica, the right password then on the other');
    assert.match(refused[0].json.message, /^Too many failed login attempts for this account/);
    assert.ok(Number(refused[0].headers['retry-after']) > 3000, `Retry-After ${refused[0].headers['retry-after']}`);
  });
});

describe('a replica dies under load', () => {
  const CLIENTS = 12;
  const PER_CLIENT = 15;
  let results = [];

  it('every request succeeds or gets a clean error; no history row is lost or duplicated', async () => {
    const clients = await Promise.all(Array.from({ length: CLIENTS }, async () => {
      const u = await newUser();
      const from = ip();
      return { u, from, tok: await token(cluster.url, u.email, u.password, from) };
    }));
    let done = 0;
    let killed = null;
    const killer = waitFor('load to reach 60 analyses', () => done >= 60, 60_000, 5).then(async () => {
      killed = Date.now();
      await cluster.replicas[1].kill();
    });
    await Promise.all(clients.map(async (c) => {
      for (let i = 0; i < PER_CLIENT; i++) {
        const { png, sha } = await uniquePng();
        const r = await analyse(cluster.url, c.tok, png, c.from);
        results.push({ status: r.status, code: r.json?.code, by: r.headers['x-served-by'], sha, userId: c.u.id, error: r.error });
        done++;
      }
    }));
    await killer;
    assert.ok(killed, 'replica 1 was killed during the load');
    const byStatus = {};
    for (const r of results) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    console.log(`# ${results.length} analyses during the kill: ${JSON.stringify(byStatus)}`);
    assert.equal(results.length, CLIENTS * PER_CLIENT);
    // 200, or the balancer's clean 502/503 for the requests the dead replica held; never a hang or a reset
    for (const r of results) assert.ok([200, 502, 503].includes(r.status), `unexpected ${r.status} ${r.error ?? ''}`);
    assert.ok(byStatus[200] >= results.length - 2 * CLIENTS, 'at most the in-flight requests failed');

    const rows = await db('SELECT sha256, "userId", count(*)::int AS n FROM "Analysis" WHERE sha256 = ANY($1) GROUP BY 1, 2', [results.map((r) => r.sha)]);
    const count = new Map(rows.map((r) => [r.sha256, r]));
    for (const r of results) {
      const row = count.get(r.sha);
      if (r.status === 200) assert.ok(row && row.n === 1 && row.userId === r.userId, `answered analysis ${r.sha.slice(0, 8)} has ${row?.n ?? 0} rows`);
      else assert.ok(!row || row.n === 1, `failed analysis ${r.sha.slice(0, 8)} has ${row?.n} rows`);
    }
  });

  it('the balancer routes around the dead replica', async () => {
    await new Promise((r) => setTimeout(r, 2500)); // HAProxy: 2 failed checks 1 s apart
    const u = await newUser();
    const from = ip();
    const tok = await token(cluster.url, u.email, u.password, from);
    for (let i = 0; i < 8; i++) {
      const r = await analyse(cluster.url, tok, (await uniquePng()).png, from);
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-served-by'], 'app0');
    }
  });

  it('restarted, it rejoins and serves the sessions made while it was away', async () => {
    const r1 = await cluster.restartReplica(1);
    const u = await newUser();
    const from = ip();
    const tok = await token(cluster.url, u.email, u.password, from);
    assert.equal((await request(`${r1.url}/api/v1/auth/me`, { headers: bearer(tok), from })).status, 200);
    await waitFor('app1 back in rotation', async () => (await request(`${cluster.url}/healthz`, { from: ip() })).headers['x-served-by'] === 'app1', 20_000, 200);
  });
});

describe('Redis goes away', () => {
  it('the service keeps answering and each replica still enforces the limits; Redis back: shared again', async () => {
    await cluster.redis.kill();
    const u = await newUser();
    const from = ip();
    const tok = await token(cluster.url, u.email, u.password, from);
    for (let i = 0; i < 4; i++) assert.equal((await analyse(cluster.url, tok, (await uniquePng()).png, from)).status, 200);
    // guessing on one replica: its own counters stop the sixth try
    const v = await newUser();
    const statuses = [];
    for (let i = 0; i <= LOGIN_PER_ACCOUNT; i++) {
      const b = json({ email: v.email, password: 'wrong password!' });
      statuses.push((await request(`${cluster.replicas[0].url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': b.type }, body: b.body, from: ip() })).status);
    }
    assert.deepEqual(statuses, [...Array(LOGIN_PER_ACCOUNT).fill(401), 429]);

    await cluster.restartRedis();
    const w = await newUser();
    await waitFor('shared counters again', async () => {
      // a fresh account: alternate replicas; with shared counters the 6th try is refused
      const email = `${Math.random()}${w.email}`;
      const s = [];
      for (let i = 0; i <= LOGIN_PER_ACCOUNT; i++) {
        const b = json({ email, password: 'wrong password!' });
        s.push((await request(`${cluster.replicas[i % 2].url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': b.type }, body: b.body, from: ip() })).status);
      }
      return s[LOGIN_PER_ACCOUNT] === 429;
    }, 20_000, 500);
  });
});
