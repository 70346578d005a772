// Parts of the cluster going away under load: PostgreSQL ending the replicas' connections, a replica
// killed and restarted, Redis killed and restarted.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { waitFor } from '../../scripts/cluster/lib.mjs';
import { analyse, bearer, json, request, token } from './http.mjs';
import { ctx, db, ip, LOGIN_PER_ACCOUNT, newUser, QUERY_TIMEOUT_MS, uniquePng } from './context.mjs';

/** The postmaster and its backends: SIGSTOP on the postmaster alone leaves running backends answering. */
function postgresPids() {
  const pm = ctx.cluster.postgres.pid;
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pm)]).toString().split('\n').map((l) => Number(l.trim())).filter(Boolean);
  return [pm, ...children];
}
/** 'T' while stopped (/proc/PID/stat, the field after the command name) */
const stateOf = (pid) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];

export function failureSuites() {
  describe('PostgreSQL ends the connections (pg_ctl restart, pg_terminate_backend)', () => {
    it('a request whose query was cut answers 503 DATABASE_UNAVAILABLE, and the same replica serves the next one', async () => {
      const replica = ctx.cluster.replicas[0];
      const from = ip();
      const me = () => request(`${replica.url}/api/v1/auth/me`, { headers: bearer(ctx.admin), from });
      assert.equal((await me()).status, 200);
      // hold the Session table so the replica's next lookup is in flight when its connection is ended
      const locker = new pg.Client({ connectionString: ctx.cluster.postgres.url });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE "Session" IN ACCESS EXCLUSIVE MODE');
        const cut = me();
        await waitFor('the lookup waiting on the lock', async () => (await db(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%Session%'`)).length > 0, 10_000, 20);
        await db('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> $1 AND backend_type = $2', [locker.processID, 'client backend']);
        const r = await cut;
        assert.deepEqual([r.status, r.json?.code, r.headers['retry-after']], [503, 'DATABASE_UNAVAILABLE', '5'], r.text);
      } finally {
        await locker.query('COMMIT').catch(() => undefined);
        await locker.end();
      }
      assert.equal((await me()).status, 200, 'the pool reconnected: no restart of the replica');
    });
  });

  describe('PostgreSQL freezes (SIGSTOP) with a query on the connection', () => {
    it('the request answers 503 DATABASE_UNAVAILABLE while the server is still frozen (DB_QUERY_TIMEOUT_MS); after SIGCONT the same replica serves again', async () => {
      const replica = ctx.cluster.replicas[0];
      const from = ip();
      const me = () => request(`${replica.url}/api/v1/auth/me`, { headers: bearer(ctx.admin), from });
      assert.equal((await me()).status, 200);
      // a held lock keeps the replica's Session lookup on the server when it freezes
      const locker = new pg.Client({ connectionString: ctx.cluster.postgres.url });
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE "Session" IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const inFlight = me();
      await waitFor('the lookup waiting on the lock', async () => (await db(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%Session%'`)).length > 0, 10_000, 20);
      const pids = postgresPids();
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      let r;
      let frozenAtAnswer;
      try {
        r = await inFlight; // the client gives up after 30 s (status 0): before, it waited for ever
        frozenAtAnswer = pids.map(stateOf).every((s) => s === 'T');
      } finally {
        for (const pid of pids) process.kill(pid, 'SIGCONT');
      }
      console.log(`# frozen server: ${r.status} after ${((Date.now() - started) / 1000).toFixed(1)} s (DB_QUERY_TIMEOUT_MS=${QUERY_TIMEOUT_MS}, ${pids.length} postgres processes stopped)`);
      assert.deepEqual([r.status, r.json?.code, r.headers['retry-after']], [503, 'DATABASE_UNAVAILABLE', '5'], r.text ?? r.error);
      assert.equal(r.json.message, 'The database cannot be reached right now. Please try again later.');
      assert.ok(frozenAtAnswer, 'the answer came while PostgreSQL was stopped, not after it resumed');
      // the app cut the connection itself (pg-pool.ts), not the server's statement_timeout
      assert.match(fs.readFileSync(path.join(ctx.cluster.dir, 'app0.log'), 'utf8'), /database unavailable \(Query read timeout\)/);
      await locker.query('COMMIT');
      await locker.end();
      assert.equal((await me()).status, 200, 'served again after SIGCONT: the pool dropped the dead connection, no restart');
      // both replicas failed /readyz while it was frozen: the next suite needs them back in the balancer
      for (const name of ['app0', 'app1']) await waitFor(`${name} back in rotation`, async () => (await request(`${ctx.cluster.url}/healthz`, { from: ip() })).headers['x-served-by'] === name, 20_000, 200);
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
        return { u, from, tok: await token(ctx.cluster.url, u.email, u.password, from) };
      }));
      let done = 0;
      let killed = null;
      const killer = waitFor('load to reach 60 analyses', () => done >= 60, 60_000, 5).then(async () => {
        killed = Date.now();
        await ctx.cluster.replicas[1].kill();
      });
      await Promise.all(clients.map(async (c) => {
        for (let i = 0; i < PER_CLIENT; i++) {
          const { png, sha } = await uniquePng();
          const r = await analyse(ctx.cluster.url, c.tok, png, c.from);
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
      const tok = await token(ctx.cluster.url, u.email, u.password, from);
      for (let i = 0; i < 8; i++) {
        const r = await analyse(ctx.cluster.url, tok, (await uniquePng()).png, from);
        assert.equal(r.status, 200);
        assert.equal(r.headers['x-served-by'], 'app0');
      }
    });

    it('restarted, it rejoins and serves the sessions made while it was away', async () => {
      const r1 = await ctx.cluster.restartReplica(1);
      const u = await newUser();
      const from = ip();
      const tok = await token(ctx.cluster.url, u.email, u.password, from);
      assert.equal((await request(`${r1.url}/api/v1/auth/me`, { headers: bearer(tok), from })).status, 200);
      await waitFor('app1 back in rotation', async () => (await request(`${ctx.cluster.url}/healthz`, { from: ip() })).headers['x-served-by'] === 'app1', 20_000, 200);
    });
  });

  describe('Redis goes away', () => {
    it('the service keeps answering and each replica still enforces the limits; Redis back: shared again', async () => {
      await ctx.cluster.redis.kill();
      const u = await newUser();
      const from = ip();
      const tok = await token(ctx.cluster.url, u.email, u.password, from);
      for (let i = 0; i < 4; i++) assert.equal((await analyse(ctx.cluster.url, tok, (await uniquePng()).png, from)).status, 200);
      // guessing on one replica: its own counters stop the sixth try
      const v = await newUser();
      const statuses = [];
      for (let i = 0; i <= LOGIN_PER_ACCOUNT; i++) {
        const b = json({ email: v.email, password: 'wrong password!' });
        statuses.push((await request(`${ctx.cluster.replicas[0].url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': b.type }, body: b.body, from: ip() })).status);
      }
      assert.deepEqual(statuses, [...Array(LOGIN_PER_ACCOUNT).fill(401), 429]);

      await ctx.cluster.restartRedis();
      const w = await newUser();
      await waitFor('shared counters again', async () => {
        // a fresh account: alternate replicas; with shared counters the 6th try is refused
        const email = `${Math.random()}${w.email}`;
        const s = [];
        for (let i = 0; i <= LOGIN_PER_ACCOUNT; i++) {
          const b = json({ email, password: 'wrong password!' });
          s.push((await request(`${ctx.cluster.replicas[i % 2].url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': b.type }, body: b.body, from: ip() })).status);
        }
        return s[LOGIN_PER_ACCOUNT] === 429;
      }, 20_000, 500);
    });
  });
}
