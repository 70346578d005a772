import request from 'supertest';
import { createUser, loginAs, loginViaForm } from '../helpers/auth';
import { FAKE_MODELS_DIR, testConfig } from '../support/app';
import { useApp } from '../support/use-app';

/**
 * The per-account login limit (5 per 15 min) is cleared by a success, so a guesser got 4 fresh
 * tries every time the account's owner logged in, without end (the per-IP limit does not bound
 * one with many addresses). The failed-login limit (RATE_LIMIT_LOGIN_FAILURES_*: 20 per hour by
 * default) is never cleared: its owner's successes do not count, failures from every IP do, and
 * once they are spent the account answers 429 — the right password too, else the answers after
 * the block would still tell a right guess from a wrong one.
 */
const PER_ACCOUNT = 5; // RATE_LIMIT_LOGIN_PER_ACCOUNT's default
const FAILURES = 20; // RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT's default
const WRONG = 'not the password';
let nextIp = 0;
/** A fresh client address per attempt: the guesser has many, so the per-IP limit never bites. */
const freshIp = () => `10.${Math.floor(nextIp / 250) % 250}.${(nextIp++ % 250) + 1}.7`;
/** The owner's own address (the per-IP login limit, 30 per 15 min, counts their successes too). */
let victimNo = 10;
const victimIp = () => `192.0.2.${victimNo++}`;

type Server = Parameters<typeof request>[0];
/** Nothing here is analysed: no inference workers to start (two cost seconds of CPU at each boot). */
const NO_ANALYSES = { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' };
const token = (server: Server, email: string, password: string, ip: string) =>
  request(server).post('/api/v1/auth/token').set('X-Forwarded-For', ip).send({ email, password });

describe('failed logins per account, over a longer window that a success does not clear', () => {
  // TRUST_PROXY: each request's X-Forwarded-For is its client IP; every other limit at its default
  const h = useApp({ env: { ...NO_ANALYSES, TRUST_PROXY: 'true' } });

  it('guessing from many IPs while the owner keeps logging in: after 20 failures the account answers 429, with Retry-After', async () => {
    const { user, password } = await createUser(h.app);
    const VICTIM_IP = victimIp();
    const statuses: number[] = [];
    // 5 rounds of 4 wrong guesses (one under the short limit), the owner logging in from their own IP between them
    const rounds = FAILURES / (PER_ACCOUNT - 1);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < PER_ACCOUNT - 1; i++) statuses.push((await token(h.server, user.email, WRONG, freshIp())).status);
      if (round < rounds - 1) statuses.push((await token(h.server, user.email, password, VICTIM_IP)).status);
    }
    // 20 failures, each answered 401, and the owner's 4 logins in between accepted
    expect(statuses).toEqual(Array.from({ length: statuses.length }, (_, i) => (i % PER_ACCOUNT === PER_ACCOUNT - 1 ? 200 : 401)));
    expect(statuses.filter((x) => x === 401)).toHaveLength(FAILURES);
    // the 21st attempt in the hour: refused before the password check, from any IP, by form or API
    const refused = await token(h.server, user.email, WRONG, freshIp());
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ statusCode: 429, code: 'TOO_MANY_REQUESTS' });
    expect(refused.body.message).toMatch(/^Too many failed login attempts for this account\. .*please wait (1 h|59 min( \d{1,2} s)?) and try again\.$/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3500);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3600);
    // from here on every attempt is refused (the short limit, now also over, answers first), however spelled, by form or
    // API — the right password too: a 200 here would let the guesser go on testing passwords
    expect((await token(h.server, ` ${user.email.toUpperCase()}`, WRONG, freshIp())).status).toBe(429);
    expect((await loginViaForm(h.app, user.email, WRONG, freshIp())).status).toBe(429);
    expect((await token(h.server, user.email, password, VICTIM_IP)).status).toBe(429);
  });

  it('the owner\'s own logins never lock them out: 10 in a row, by form and API, even with 19 failures already counted', async () => {
    const { user, password } = await createUser(h.app);
    const VICTIM_IP = victimIp();
    const IN_A_ROW = 10;
    // 19 failures from other IPs, in rounds the owner's logins reset for the short limit
    const spend = async (n: number) => {
      for (let i = 0; i < n; i++) expect((await token(h.server, user.email, WRONG, freshIp())).status).toBe(401);
    };
    for (let left = FAILURES - 1; left > 0; left -= PER_ACCOUNT - 1) {
      await spend(Math.min(PER_ACCOUNT - 1, left));
      expect((await token(h.server, user.email, password, VICTIM_IP)).status).toBe(200);
    }
    const statuses: number[] = [];
    for (let i = 0; i < IN_A_ROW; i++) {
      statuses.push(i % 4 === 0 ? (await loginViaForm(h.app, user.email, password, VICTIM_IP)).status : (await token(h.server, user.email, password, VICTIM_IP)).status);
    }
    expect(statuses).toEqual(Array.from({ length: IN_A_ROW }, (_, i) => (i % 4 === 0 ? 303 : 200)));
    // the 20th failure is still answered, the 21st refused: the owner's logins added nothing and took nothing off
    await spend(1);
    expect((await token(h.server, user.email, WRONG, freshIp())).status).toBe(429);
  });

  it('changing one\'s password counts wrong current passwords against the caller\'s own account, whatever email the body names', async () => {
    const owner = await createUser(h.app);
    const decoy = await createUser(h.app);
    let bearer = { Authorization: `Bearer ${(await token(h.server, owner.user.email, owner.password, victimIp())).body.token as string}` };
    // a stolen token guessing the current password, naming another account in the body to be counted under it
    const change = (current: string, next = `${owner.password}-new`) =>
      request(h.server).post('/api/v1/auth/password').set(bearer).set('X-Forwarded-For', freshIp()).send({ email: decoy.user.email, current, password: next });
    const wrong = async (n: number) => {
      for (let i = 0; i < n; i++) expect((await change(WRONG)).status).toBe(400);
    };
    await wrong(PER_ACCOUNT - 1);
    // the right current password clears the short count, as a login does (and ends every token: the answer is a new one)
    const ok = await change(owner.password);
    expect(ok.status).toBe(200);
    bearer = { Authorization: `Bearer ${ok.body.token as string}` };
    await wrong(PER_ACCOUNT);
    const blocked = await change(`${owner.password}-new`, `${owner.password}-newer`);
    expect(blocked.status).toBe(429);
    expect(blocked.body.message).toMatch(/^Too many login attempts for this account\./);
    // one counter per account: the owner's login waits too, the account the body named does not
    expect((await token(h.server, owner.user.email, `${owner.password}-new`, victimIp())).status).toBe(429);
    expect((await token(h.server, decoy.user.email, decoy.password, victimIp())).status).toBe(200);
  });

  it('a typo in the form\'s "New password again" is not a failed login: the current password was right', async () => {
    // a user held at /account (an admin set their password) fumbling the confirmation
    const s = await loginAs(h.app, { mustChangePassword: true });
    const ip = victimIp();
    const submit = (confirm: string) =>
      request(h.server)
        .post('/account/password')
        .set({ ...s.headers, 'X-Forwarded-For': ip, Accept: 'text/html' })
        .type('form')
        .send({ _csrf: s.csrfToken, current: s.password, password: 'my own choice 42', confirm });
    // before: each mismatch stayed counted as a wrong password, the 6th submission was a 429 and
    // 20 of them locked the account's logins for an hour
    for (let i = 0; i < PER_ACCOUNT + 1; i++) {
      const r = await submit('my own choice 4');
      expect([r.status, r.text.includes('The two new passwords differ.')]).toEqual([400, true]);
    }
    expect((await submit('my own choice 42')).status).toBe(303);
    expect((await token(h.server, s.user.email, 'my own choice 42', victimIp())).status).toBe(200);
  });
});

describe('failed-login limit: configurable, and the same for an email no account has', () => {
  const LIMIT = 6;
  // the short per-account limit lifted, so only the failed-login one is in play
  const h = useApp({
    env: {
      ...NO_ANALYSES,
      TRUST_PROXY: 'true',
      RATE_LIMIT_LOGIN_PER_ACCOUNT: '1000',
      RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: String(LIMIT),
      RATE_LIMIT_LOGIN_FAILURES_WINDOW_SECONDS: '120',
    },
  });

  /**
   * Status, body and rate-limit headers of LIMIT + 2 wrong guesses at one email: the headers' names,
   * and the values of the limits and what remains (seconds to a reset may tick between the two runs).
   */
  async function guess(email: string): Promise<unknown[]> {
    const out: unknown[] = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      const r = await token(h.server, email, WRONG, freshIp());
      const limits = Object.entries(r.headers as Record<string, string>)
        .filter(([h]) => /^(retry-after|x-ratelimit)/.test(h))
        .map(([h, v]) => (/^x-ratelimit-(limit|remaining)/.test(h) ? `${h}: ${v}` : h))
        .sort();
      // the wait in the message is worded to the second, like Retry-After, and may tick between the two runs
      const body = typeof r.body?.message === 'string' ? { ...r.body, message: r.body.message.replace(/wait [^.]+ and try/, 'wait … and try') } : r.body;
      out.push([r.status, body, limits]);
    }
    return out;
  }

  it('an unknown email is counted and refused exactly like an existing account: same statuses, bodies and headers', async () => {
    const { user } = await createUser(h.app);
    const known = await guess(user.email);
    const unknown = await guess(`nobody-${Date.now()}@example.test`);
    expect(known.map((r) => (r as unknown[])[0])).toEqual([...Array(LIMIT).fill(401), 429, 429]);
    expect(unknown).toEqual(known);
    // the 120-s window, in the words of the page's countdown (wait-wording.e2e.spec.ts)
    expect((await token(h.server, user.email, WRONG, freshIp())).body.message).toMatch(/please wait (2 min|1 min \d{1,2} s) and try again\.$/);
    // a browser gets the same words on the login page, with Retry-After
    const page = await loginViaForm(h.app, user.email, WRONG, freshIp());
    expect(page.status).toBe(429);
    expect(page.text).toContain('Too many failed login attempts for this account.');
    expect(Number(page.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('RATE_LIMIT_LOGIN_FAILURES_* are validated at boot', () => {
    const bads: Record<string, string>[] = [{ RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: '0' }, { RATE_LIMIT_LOGIN_FAILURES_WINDOW_SECONDS: 'an hour' }];
    for (const bad of bads) {
      expect(() => testConfig(bad)).toThrow(Object.keys(bad)[0]);
    }
  });
});
