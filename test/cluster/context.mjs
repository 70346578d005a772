// What the cluster suites share: the running cluster (started once by cluster.test.mjs), the
// admin token, the rate limits it was started with, and helpers that make fresh clients, users,
// images and PostgreSQL queries. Not a test file itself (node --test runs *.test.mjs only).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { ROOT, startCluster } from '../../scripts/cluster/lib.mjs';
import { bearer, json, request, token } from './http.mjs';

export const ANALYSES_PER_MINUTE = 20;
export const REQUESTS_PER_MINUTE = 40;
export const LOGIN_PER_ACCOUNT = 5;
export const LOGIN_FAILURES_PER_ACCOUNT = 12;
/**
 * DB_QUERY_TIMEOUT_MS of the replicas: 3 s rather than the default 15 s, so the frozen-server case
 * (failure-suites.mjs) answers in ~4 s. The slowest statement of the whole suite took 11 ms
 * (log_min_duration_statement=0 over 4,918 statements), so nothing legitimate comes near it.
 */
export const QUERY_TIMEOUT_MS = 3_000;

/** Set by start(): the cluster and an admin token; read by the suites inside their tests only. */
export const ctx = { cluster: null, admin: null };

let nextIp = 0;
/** A fresh client address for each simulated client: its own per-IP counters. */
export const ip = () => `127.0.${20 + Math.floor(nextIp / 250)}.${(nextIp++ % 250) + 1}`;
let colour = 0;
/** A PNG no other request of this run sends (unique sha256): history rows can be matched to requests. */
export async function uniquePng() {
  const c = colour++;
  const png = await sharp({ create: { width: 96, height: 96, channels: 3, background: { r: c & 255, g: (c >> 8) & 255, b: 128 } } }).png().toBuffer();
  return { png, sha: createHash('sha256').update(png).digest('hex') };
}
export async function newUser(role = 'user') {
  const email = `u${nextIp}-${Date.now()}@cluster.test`;
  const password = `pw-${email}-long`;
  const b = json({ email, password, role });
  const from = ip();
  const r = await request(`${ctx.cluster.url}/api/v1/users`, { method: 'POST', headers: { ...bearer(ctx.admin), 'content-type': b.type }, body: b.body, from });
  assert.ok(r.status === 200 || r.status === 201, `create user: ${r.status} ${r.text}`);
  // the admin knows that password: the user chooses their own before anything else answers
  const own = `${password}-own`;
  const c = json({ current: password, password: own });
  const changed = await request(`${ctx.cluster.url}/api/v1/auth/password`, { method: 'POST', headers: { ...bearer(await token(ctx.cluster.url, email, password, from)), 'content-type': c.type }, body: c.body, from });
  assert.equal(changed.status, 200, `own password: ${changed.text}`);
  return { email, password: own, id: r.json.id };
}
export async function db(sql, params) {
  const c = new pg.Client({ connectionString: ctx.cluster.postgres.url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/**
 * PostgreSQL, Redis, two replicas of the production build and HAProxy. Fake contract models
 * (test/fixtures/fake-models) keep the analyses cheap: the suites are about state shared between
 * replicas, not about the models.
 */
export async function start() {
  ctx.cluster = await startCluster({
    replicas: 2,
    env: {
      MODELS_DIR: path.join(ROOT, 'test/fixtures/fake-models'),
      INFERENCE_WORKERS: '0',
      DB_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
      RATE_LIMIT_ANALYSES_PER_MINUTE: String(ANALYSES_PER_MINUTE),
      RATE_LIMIT_REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE),
      RATE_LIMIT_LOGIN_PER_ACCOUNT: String(LOGIN_PER_ACCOUNT),
      RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: String(LOGIN_FAILURES_PER_ACCOUNT),
    },
    log: (m) => console.log(`# ${m}`),
  });
  ctx.admin = await token(ctx.cluster.url, ctx.cluster.env.SEED_ADMIN_EMAIL, ctx.cluster.env.SEED_ADMIN_PASSWORD, ip());
}
