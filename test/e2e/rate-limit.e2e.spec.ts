import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AnalysisService } from '../../src/classifier/analysis.service';
import { AppConfig } from '../../src/config/config.service';
import { RateLimitBackend, RateLimitStore } from '../../src/rate-limit/rate-limit.storage';
import { createUser, loginAs, loginViaForm, sessionFor } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { useApp } from '../support/use-app';
import { solidPng } from '../support/images';

/**
 * Stand-in for a shared store (Redis and the like) behind the ThrottlerStorage interface: one
 * object that several app instances talk to. Sliding window + block, as a Redis script would.
 */
class FakeSharedStore implements RateLimitBackend {
  calls = 0;
  private readonly entries = new Map<string, { hits: number[]; blockedUntil: number }>();
  async increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<{ totalHits: number; timeToExpire: number; isBlocked: boolean; timeToBlockExpire: number }> {
    this.calls++;
    const now = Date.now();
    const e = this.entries.get(key) ?? { hits: [], blockedUntil: 0 };
    this.entries.set(key, e);
    e.hits = e.hits.filter((t) => t > now - ttl);
    if (e.blockedUntil <= now) {
      e.hits.push(now);
      if (e.hits.length > limit) e.blockedUntil = now + blockDuration;
    }
    const isBlocked = e.blockedUntil > now;
    return {
      totalHits: e.hits.length,
      timeToExpire: Math.ceil((e.hits[0] + ttl - now) / 1000),
      isBlocked,
      timeToBlockExpire: isBlocked ? Math.ceil((e.blockedUntil - now) / 1000) : 0,
    };
  }
  async forget(key: string): Promise<void> {
    this.entries.delete(key);
  }
  async refund(key: string): Promise<void> {
    const e = this.entries.get(key);
    if (e && e.blockedUntil <= Date.now()) e.hits.pop();
  }
}

/** For the apps that analyse nothing: no inference workers to start (two cost seconds of CPU at each boot). */
const NO_ANALYSES = { INFERENCE_WORKERS: '0' };

/** The real app with the rate-limit storage swapped, exactly as a deployment would swap it. */
async function startWithStorage(config: AppConfig, storage: RateLimitBackend): Promise<NestExpressApplication> {
  const app = await startApp(config);
  app.get(RateLimitStore).useBackend(storage);
  return app;
}

describe('rate limits (@nestjs/throttler)', () => {
  // users of their own in each test: the per-user analyses limit of one does not reach the other's
  describe('with RATE_LIMIT_ANALYSES_PER_MINUTE=2', () => {
    const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_ANALYSES_PER_MINUTE: '2' } });

    it('analyses per user per minute: 429 with Retry-After after the limit, other users unaffected', async () => {
      const [a, b] = [await loginAs(h.app), await loginAs(h.app)];
      const png = await solidPng(300, 300, 255);
      const post = (s: typeof a) => request(h.app.getHttpServer()).post('/api/v1/analyses').set(s.bearer).attach('image', png, 'x.png');
      await post(a).expect(200);
      await post(a).expect(200);
      const third = await post(a).expect(429);
      expect(third.body).toEqual({ statusCode: 429, code: 'TOO_MANY_REQUESTS', message: expect.stringContaining('limit of analyses per minute') });
      const retry = Number(third.headers['retry-after']);
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(60);
      // the PDF re-run counts as an analysis too
      await request(h.app.getHttpServer()).post('/api/v1/reports').set(a.bearer).attach('image', png, 'x.png').expect(429);
      await post(b).expect(200);
      // reading history is not an analysis
      await request(h.app.getHttpServer()).get('/api/v1/history').set(a.bearer).expect(200);
    });

    /**
     * Decided, not overlooked (README "Retries"): no answer is stored, so a replay re-runs the analysis
     * (its models, its heat map) with recording off. Were replays free, one key sent in a loop would
     * be unlimited inference on one image, past the limit; so they count, like the first request.
     */
    it('an Idempotency-Key replay counts against the analyses limit: it is an analysis again (re-run, not read back)', async () => {
      const a = await loginAs(h.app);
      const png = await solidPng(300, 300, 255);
      const analyses = jest.spyOn(h.app.get(AnalysisService), 'analyze');
      const post = () => request(h.app.getHttpServer()).post('/api/v1/analyses').set(a.bearer).set('Idempotency-Key', 'one-upload').attach('image', png, 'x.png');
      const first = await post().expect(200);
      const replay = await post().expect(200);
      expect({ replayed: replay.headers['idempotent-replayed'], id: replay.body.analysisId, runs: analyses.mock.calls.length }).toEqual({ replayed: 'true', id: first.body.analysisId, runs: 2 });
      const third = await post().expect(429);
      expect(third.body.code).toBe('TOO_MANY_REQUESTS');
      expect(analyses.mock.calls.length).toBe(2);
    });
  });

  it('requests per IP per minute: 429 for the API, a friendly HTML page for browsers; health stays open', async () => {
    const app = await startApp(testConfig({ ...NO_ANALYSES, RATE_LIMIT_REQUESTS_PER_MINUTE: '5' }));
    try {
      const s = await loginAs(app);
      const server = app.getHttpServer();
      for (let i = 0; i < 5; i++) await request(server).get('/api/v1/auth/me').set(s.bearer).expect(200);
      const api = await request(server).get('/api/v1/auth/me').set(s.bearer).expect(429);
      expect(api.headers['retry-after']).toBeDefined();
      const page = await request(server).get('/history').set(s.headers).set('Accept', 'text/html').expect(429);
      expect(page.headers['content-type']).toMatch(/html/);
      expect(page.text).toContain('Too many requests from your network. Please wait');
      expect(page.text).toContain('Research use only');
      await request(server).get('/healthz').expect(200);
      // anonymous requests count too (the limit is per address, not per user)
      await request(server).get('/login').set('Accept', 'text/html').expect(429);
    } finally {
      await app.close();
    }
  });

  it('a shared store makes the limits hold across instances (two apps, one database, one store)', async () => {
    const store = new FakeSharedStore();
    const config = testConfig({ MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_ANALYSES_PER_MINUTE: '3' });
    const one = await startWithStorage(config, store);
    const two = await startWithStorage(config, store);
    try {
      // sessions live in the database: a login on instance one works on instance two
      const s = await loginAs(one);
      await request(two.getHttpServer()).get('/api/v1/auth/me').set(s.bearer).expect(200);
      const again = await sessionFor(two, s.user);
      await request(one.getHttpServer()).get('/api/v1/auth/me').set(again.headers).expect(200);

      const png = await solidPng(300, 300, 255);
      const post = (app: NestExpressApplication) => request(app.getHttpServer()).post('/api/v1/analyses').set(s.bearer).attach('image', png, 'x.png');
      await post(one).expect(200);
      await post(two).expect(200);
      await post(one).expect(200);
      const blocked = await post(two).expect(429); // 4th analysis overall, 2nd on this instance
      expect(blocked.headers['retry-after']).toBeDefined();
      expect(store.calls).toBeGreaterThan(4);
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe('per-account login limit: only failed attempts add up', () => {
  const PER_ACCOUNT = 5; // RATE_LIMIT_LOGIN_PER_ACCOUNT's default, left unset here
  // the per-IP login limit is lifted so that only the per-account one is in play (all requests share one IP)
  const h = useApp({ env: { ...NO_ANALYSES, RATE_LIMIT_LOGIN_PER_IP: '1000' } });
  const form = async (email: string, password: string) => (await loginViaForm(h.app, email, password)).status;
  const token = async (email: string, password: string) => (await request(h.app.getHttpServer()).post('/api/v1/auth/token').send({ email, password })).status;
  const WRONG = 'not the password';

  it('more successful logins than the limit, by form and token API, are all accepted', async () => {
    const { user, password } = await createUser(h.app);
    const statuses = [];
    // the same account however the email is typed (the counter's key is the normalised email)
    const spellings = [user.email, ` ${user.email.toUpperCase()} `];
    for (let i = 0; i < 2 * PER_ACCOUNT + 2; i++) {
      const email = spellings[i % 2];
      statuses.push(i % 3 === 0 ? await form(email, password) : await token(email, password));
    }
    expect(statuses).toEqual(Array.from({ length: 2 * PER_ACCOUNT + 2 }, (_, i) => (i % 3 === 0 ? 303 : 200)));
  });

  it('a success in between resets the count: 4 wrong, right, 4 wrong are not blocked; failures then still count', async () => {
    const { user, password } = await createUser(h.app);
    const statuses = [];
    for (let i = 0; i < PER_ACCOUNT - 1; i++) statuses.push(i % 2 ? await form(user.email, WRONG) : await token(user.email, WRONG));
    statuses.push(await form(user.email, password));
    for (let i = 0; i < PER_ACCOUNT - 1; i++) statuses.push(i % 2 ? await form(user.email, WRONG) : await token(user.email, WRONG));
    expect(statuses).toEqual([401, 401, 401, 401, 303, 401, 401, 401, 401]);
    // the 5th failure since the success is still answered, the 6th is refused
    expect(await token(user.email, WRONG)).toBe(401);
    expect(await token(user.email, WRONG)).toBe(429);
  });

  it('5 wrong passwords block the account: the right one is then refused too (a 429 never reaches the login)', async () => {
    const { user, password } = await createUser(h.app);
    for (let i = 0; i < PER_ACCOUNT; i++) expect(await token(user.email, WRONG)).toBe(401);
    const blocked = await loginViaForm(h.app, user.email, password);
    expect(blocked.status).toBe(429);
    expect(blocked.text).toContain('Too many login attempts for this account');
    expect(await token(user.email, password)).toBe(429);
    expect(await form(user.email, password)).toBe(429);
  });

  it('with a shared store, a success on one instance resets the count on the other', async () => {
    const store = new FakeSharedStore();
    const config = testConfig({ ...NO_ANALYSES, RATE_LIMIT_LOGIN_PER_IP: '1000' });
    const one = await startWithStorage(config, store);
    const two = await startWithStorage(config, store);
    try {
      const { user, password } = await createUser(one);
      const post = (a: NestExpressApplication, pw: string) => request(a.getHttpServer()).post('/api/v1/auth/token').send({ email: user.email, password: pw });
      for (let i = 0; i < PER_ACCOUNT - 1; i++) await post(one, WRONG).expect(401);
      await post(two, password).expect(200);
      for (let i = 0; i < PER_ACCOUNT - 1; i++) await post(one, WRONG).expect(401);
      await post(two, WRONG).expect(401);
      await post(one, WRONG).expect(429);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
