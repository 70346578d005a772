// Moving a SQLite deployment's data to PostgreSQL (scripts/sqlite-to-postgres.mjs): the quick
// start's data/sentinel.db, then "when one machine is not enough".
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, startReplica } from '../../scripts/cluster/lib.mjs';
import { ctx, db, ip, uniquePng } from './context.mjs';
import { analyse, bearer, json, request, token } from './http.mjs';

export function sqliteMoveSuites() {
  describe('moving a SQLite deployment to PostgreSQL', () => {
    it('users (password, role, flags), tokens and history answer the same from PostgreSQL; a second copy is refused', async () => {
      const file = path.join(ctx.cluster.dir, 'lite', 'sentinel.db');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const env = { ...ctx.cluster.env, REDIS_URL: '' };
      const { SEED_ADMIN_EMAIL: email, SEED_ADMIN_PASSWORD: password } = env;
      const from = ip();
      let replica = await startReplica(ctx.cluster.dir, 11, { ...env, DATABASE_URL: `file:${file}` });
      let before;
      let tok;
      try {
        tok = await token(replica.url, email, password, from);
        for (let i = 0; i < 2; i++) assert.equal((await analyse(replica.url, tok, (await uniquePng()).png, from)).status, 200);
        const b = json({ email: 'moved@cluster.test', password: 'a password set by the admin', role: 'user' });
        const created = await request(`${replica.url}/api/v1/users`, { method: 'POST', headers: { ...bearer(tok), 'content-type': b.type }, body: b.body, from });
        const d = json({ disabled: true });
        await request(`${replica.url}/api/v1/users/${created.json.id}`, { method: 'PATCH', headers: { ...bearer(tok), 'content-type': d.type }, body: d.body, from });
        before = {
          history: (await request(`${replica.url}/api/v1/history`, { headers: bearer(tok), from })).json,
          users: (await request(`${replica.url}/api/v1/users`, { headers: bearer(tok), from })).json,
        };
      } finally {
        await replica.stop();
      }
      assert.equal(before.history.total, 2);

      await db('CREATE DATABASE moved');
      const url = ctx.cluster.postgres.url.replace(/\/sentinel$/, '/moved');
      const out = execFileSync(process.execPath, [path.join(ROOT, 'scripts/sqlite-to-postgres.mjs'), '--from', file, '--to', url]).toString();
      assert.match(out, /Copied .* 2 User, \d+ Session, 2 Analysis\./);
      const again = spawnSync(process.execPath, [path.join(ROOT, 'scripts/sqlite-to-postgres.mjs'), '--from', file, '--to', url]);
      assert.equal(again.status, 1);
      assert.match(again.stderr.toString(), /already has 2 user\(s\)/);

      replica = await startReplica(ctx.cluster.dir, 11, { ...env, DATABASE_URL: url });
      try {
        const me = await request(`${replica.url}/api/v1/auth/me`, { headers: bearer(tok), from });
        assert.equal(me.status, 200, 'a token made on SQLite works on PostgreSQL');
        const fresh = await token(replica.url, email, password, from);
        const after = {
          history: (await request(`${replica.url}/api/v1/history`, { headers: bearer(fresh), from })).json,
          users: (await request(`${replica.url}/api/v1/users`, { headers: bearer(fresh), from })).json,
        };
        // lastLoginAt moves with the logins made here; everything else is what SQLite answered
        const strip = (users) => users.map(({ lastLoginAt, ...u }) => u);
        assert.deepEqual(after.history, before.history);
        assert.deepEqual(strip(after.users), strip(before.users));
        assert.deepEqual(after.users.map((u) => [u.email, u.disabled, u.mustChangePassword]).sort(), [[email, false, false], ['moved@cluster.test', true, true]]);
      } finally {
        await replica.stop();
      }
    });
  });
}
