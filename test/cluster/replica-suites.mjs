// State shared between the replicas: sessions, history and the rate-limit counters (Redis).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyse, bearer, json, request, token } from './http.mjs';
import { ANALYSES_PER_MINUTE, ctx, db, ip, LOGIN_FAILURES_PER_ACCOUNT, LOGIN_PER_ACCOUNT, newUser, REQUESTS_PER_MINUTE, uniquePng } from './context.mjs';

export function replicaSuites() {
  describe('state shared between replicas', () => {
    it('a token and a browser session made on one replica work on the other', async () => {
      const [r0, r1] = ctx.cluster.replicas.map((r) => r.url);
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
      const [r0, r1] = ctx.cluster.replicas.map((r) => r.url);
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
      const csv = await request(`${r0}/api/v1/history/export.csv?user=${encodeURIComponent(u.email)}`, { headers: bearer(ctx.admin), from: ip() });
      assert.equal(csv.status, 200);
      assert.ok(csv.text.includes(sha), 'the admin export through the other replica lists it');
    });

    it('PostgreSQL: a NUL in an admin\'s user filter or a report\'s analysisId is a 400 / 404 before any query (both were 500), and to=9999-12-31 lists every row', async () => {
      const [r0, r1] = ctx.cluster.replicas.map((r) => r.url);
      const u = await newUser();
      const from = ip();
      const tok = await token(r0, u.email, u.password, from);
      const { png, sha } = await uniquePng();
      assert.equal((await analyse(r0, tok, png, from)).status, 200);
      for (const route of ['/api/v1/history', '/api/v1/history/summary', '/api/v1/history/export.csv']) {
        const res = await request(`${r1}${route}?user=a%00b%40example.org`, { headers: bearer(ctx.admin), from: ip() });
        assert.equal(res.status, 400, `${route}: ${res.status} ${res.text}`);
      }
      // the image part alone: the route takes no other field than analysisId (here in the query string)
      const boundary = 'nul-analysis-id';
      const body = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n`), png, Buffer.from(`\r\n--${boundary}--\r\n`)]);
      const report = await request(`${r1}/api/v1/reports?analysisId=a%00b`, { method: 'POST', headers: { ...bearer(tok), 'content-type': `multipart/form-data; boundary=${boundary}` }, body, from });
      assert.equal(report.status, 404, `report: ${report.status} ${report.text}`);
      const far = await request(`${r0}/api/v1/history?to=9999-12-31`, { headers: bearer(tok), from });
      assert.equal(far.status, 200);
      assert.deepEqual(far.json.items.map((i) => i.sha256), [sha]);
    });

    it('one Idempotency-Key sent through both replicas at once: one history row (the unique index decides), the others 409 or the replay', async () => {
      const [r0, r1] = ctx.cluster.replicas.map((r) => r.url);
      const u = await newUser();
      const from = ip();
      const tok = await token(r0, u.email, u.password, from);
      const { png, sha } = await uniquePng();
      const key = { 'idempotency-key': `cluster-${sha.slice(0, 16)}` };
      const rows = async () => Number((await db('SELECT count(*) AS n FROM "Analysis" WHERE "userId" = $1', [u.id]))[0].n);
      const at = await Promise.all([r0, r1, r0, r1, r0, r1].map((base) => analyse(base, tok, png, from, key)));
      assert.equal(await rows(), 1, `answers: ${at.map((r) => r.status).join(' ')}`);
      const ok = at.filter((r) => r.status === 200);
      assert.equal(ok.filter((r) => r.headers['idempotent-replayed'] !== 'true').length, 1, 'one request analysed and recorded');
      assert.equal(new Set(ok.map((r) => r.json.analysisId)).size, 1);
      for (const r of at.filter((x) => x.status !== 200)) {
        assert.deepEqual({ status: r.status, code: r.json?.code, retryAfter: Number(r.headers['retry-after']) > 0 }, { status: 409, code: 'IDEMPOTENCY_KEY_IN_USE', retryAfter: true });
      }
      console.log(`# idempotency race: ${ok.length} × 200 (${ok.length - 1} replayed), ${at.length - ok.length} × 409`);
      // the retry through either replica: the first answer's record, nothing new
      for (const base of [r0, r1]) {
        const again = await analyse(base, tok, png, from, key);
        assert.deepEqual({ status: again.status, replayed: again.headers['idempotent-replayed'], id: again.json.analysisId }, { status: 200, replayed: 'true', id: ok[0].json.analysisId });
      }
      const other = await analyse(r1, tok, (await uniquePng()).png, from, key);
      assert.equal(other.status, 422);
      assert.equal(other.json.code, 'IDEMPOTENCY_KEY_REUSED');
      assert.equal(await rows(), 1);
    });

    it('per-user, per-IP and per-account limits hold across replicas (shared Redis counters)', async () => {
      const u = await newUser();
      const from = ip();
      const tok = await token(ctx.cluster.url, u.email, u.password, from);
      const served = new Set();
      for (let i = 0; i < ANALYSES_PER_MINUTE; i++) {
        const r = await analyse(ctx.cluster.url, tok, (await uniquePng()).png, ip()); // a new IP each time: only the user limit counts
        assert.equal(r.status, 200, `analysis ${i + 1}: ${r.status}`);
        served.add(r.headers['x-served-by']);
      }
      assert.deepEqual([...served].sort(), ['app0', 'app1'], 'the balancer spread them over both replicas');
      for (const r of ctx.cluster.replicas) assert.equal((await analyse(r.url, tok, (await uniquePng()).png, ip())).status, 429, `replica ${r.index} refuses analysis ${ANALYSES_PER_MINUTE + 1}`);

      const client = ip();
      const seen = new Set();
      let statuses = [];
      for (let i = 0; i < REQUESTS_PER_MINUTE + 2; i++) {
        const r = await request(`${ctx.cluster.url}/api/v1/auth/me`, { headers: bearer(ctx.admin), from: client });
        statuses.push(r.status);
        seen.add(r.headers['x-served-by']);
      }
      // one earlier request of this IP? none: it is fresh. So exactly the limit passes, then 429s.
      assert.deepEqual(statuses, [...Array(REQUESTS_PER_MINUTE).fill(200), 429, 429]);
      assert.equal(seen.size, 2);

      /** A token request on replica i % 2, from a fresh IP (only the per-account limit counts). */
      const tryLogin = async (i, email, password) => {
        const b = json({ email, password });
        return (await request(`${ctx.cluster.replicas[i % 2].url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': b.type }, body: b.body, from: ip() })).status;
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
        return (await request(`${ctx.cluster.replicas[i % 2].url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': b.type }, body: b.body, from: ip() })).status;
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
        refused.push(await request(`${ctx.cluster.replicas[i].url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': b.type }, body: b.body, from: ip() }));
      }
      assert.deepEqual(refused.map((r) => r.status), [429, 429], 'the 13th attempt refused on one replica, the right password then on the other');
      assert.match(refused[0].json.message, /^Too many failed login attempts for this account/);
      assert.ok(Number(refused[0].headers['retry-after']) > 3000, `Retry-After ${refused[0].headers['retry-after']}`);
    });
  });
}
