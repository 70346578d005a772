import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { useApp } from '../support/use-app';
import { SessionsService } from '../../src/accounts/sessions.service';
import { AppConfig } from '../../src/config/config.service';
import { loginAs } from '../helpers/auth';
import { auditedApp, CapturingAuditSink } from '../helpers/capturing-audit-sink';
import { FAKE_MODELS_DIR } from '../support/app';

/**
 * The per-IP request limit holds for every request, not only those a controller takes: it was a Nest
 * guard, so a client already answered 429 on the API went on being answered on unknown paths (404),
 * wrong methods (405), /api/docs and paths with a bad %-escape — and every refused request with a
 * random bearer token or session cookie cost a session lookup first. README "Rate limits".
 */
type Server = Parameters<typeof request>[0];
const LIMIT = 4;

/** One of each kind of request no controller answers, with what it is answered under the limit. */
const UNROUTED: [string, (s: Server, ip: string) => request.Test, number][] = [
  ['unknown path', (s, ip) => request(s).get('/no-such-page').set('X-Forwarded-For', ip), 404],
  ['wrong method', (s, ip) => request(s).delete('/healthz').set('X-Forwarded-For', ip), 405],
  ['Swagger UI', (s, ip) => request(s).get('/api/docs-json').set('X-Forwarded-For', ip), 401],
  ['bad %-escape', (s, ip) => request(s).get('/history/%E0%A4%A').set('Accept', 'application/json').set('X-Forwarded-For', ip), 400],
];

describe('per-IP request limit: every request counts, before the login lookup and the router', () => {
  const sink = new CapturingAuditSink();
  const h = useApp(auditedApp(sink, { RATE_LIMIT_REQUESTS_PER_MINUTE: String(LIMIT), ACCESS_LOG: 'true' }));
  beforeEach(() => sink.clear());
  let n = 0;
  const freshIp = () => `203.0.113.${++n}`;

  it('404, 405, /api/docs and a bad %-escape are counted, then answered 429 with Retry-After (JSON or page by Accept)', async () => {
    const ip = freshIp();
    const first = [];
    for (const [, send] of UNROUTED) first.push((await send(h.server, ip)).status);
    expect(first).toEqual(UNROUTED.map(([, , status]) => status));
    // the 5th request of the minute: refused, whatever it is
    const refused = await request(h.server).get('/api/v1/auth/me').set('X-Forwarded-For', ip).expect(429);
    expect(refused.body).toMatchObject({ statusCode: 429, code: 'TOO_MANY_REQUESTS', message: expect.stringContaining('Too many requests from your network') });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    for (const [what, send] of UNROUTED) {
      const res = await send(h.server, ip);
      expect([what, res.status, res.headers['retry-after'] !== undefined]).toEqual([what, 429, true]);
    }
    const page = await request(h.server).get('/no-such-page').set('Accept', 'text/html').set('X-Forwarded-For', ip).expect(429);
    expect(page.headers['content-type']).toMatch(/html/);
    expect(page.text).toContain('Too many requests from your network. Please wait');
    // static files have a bucket of their own (STATIC_LIMIT): the 429 page's own stylesheet is served to a
    // refused client (it was a 429 too, so the page telling it to wait came unstyled)
    const css = await request(h.server).get('/static/css/app.css').set('X-Forwarded-For', ip).expect(200);
    expect(css.headers['x-ratelimit-remaining-static']).toBe(String(LIMIT - 1));
    // the probes stay open (@Unthrottled()), however the path is spelt, HEAD too
    await request(h.server).get('/healthz').set('X-Forwarded-For', ip).expect(200);
    await request(h.server).get('/HEALTHZ/').set('X-Forwarded-For', ip).expect(200);
    await request(h.server).head('/healthz').set('X-Forwarded-For', ip).expect(200);
    // another address (TRUST_PROXY=1: the one the proxy added) has its own count
    await request(h.server).get('/no-such-page').set('X-Forwarded-For', freshIp()).expect(404);

    // every answer in the access log, the refusals as 429; one rate_limited line for the minute's refusals of this address
    const mine = sink.events('http.request').filter((e) => e.ip === ip);
    expect(mine.map((e) => e.status)).toEqual([...UNROUTED.map(([, , status]) => status), 429, 429, 429, 429, 429, 429, 200, 200, 200, 200]);
    expect(sink.events('rate_limited')).toEqual([expect.objectContaining({ limit: 'ip', ip, path: '/api/v1/auth/me' })]);
  });

  // A page's stylesheets, scripts and fonts spent the same per-IP count as the API and the pages: a user
  // loading pages used up the budget of their analyses' requests, and got 429 on a stylesheet
  it('static files count in their own bucket: they neither spend the pages\' and API\'s count nor are refused by it', async () => {
    const ip = freshIp();
    for (let i = 0; i < LIMIT; i++) await request(h.server).get('/static/css/app.css').set('X-Forwarded-For', ip).expect(200);
    // the static bucket is spent: the next file is refused, with the same 429 and Retry-After
    const refused = await request(h.server).get('/static/js/app.js').set('X-Forwarded-For', ip).expect(429);
    expect(refused.headers['retry-after']).toBeDefined();
    // and the pages and API still have their whole count
    const api = await request(h.server).get('/no-such-page').set('X-Forwarded-For', ip).expect(404);
    expect(api.headers['x-ratelimit-remaining-ip']).toBe(String(LIMIT - 1));
    expect(sink.events('rate_limited')).toEqual([expect.objectContaining({ limit: 'static', ip, path: '/static/js/app.js' })]);
  });

  it('a refused request does no session lookup: random bearer tokens and cookies cost nothing once over the limit', async () => {
    const ip = freshIp();
    const s = await loginAs(h.app);
    for (let i = 0; i < LIMIT; i++) await request(h.server).get('/api/v1/auth/me').set(s.bearer).set('X-Forwarded-For', ip).expect(200);
    const resolve = jest.spyOn(h.app.get(SessionsService), 'resolve');
    try {
      for (let i = 0; i < 10; i++) {
        const junk = randomBytes(16).toString('hex');
        await request(h.server).get('/api/v1/auth/me').set('Authorization', `Bearer mst_${junk}`).set('X-Forwarded-For', ip).expect(429);
        await request(h.server).get('/history').set('Cookie', `sentinel_session=${junk}`).set('Accept', 'text/html').set('X-Forwarded-For', ip).expect(429);
      }
      expect(resolve).not.toHaveBeenCalled();
      // under the limit the lookup is made as before
      await request(h.server).get('/api/v1/auth/me').set(s.bearer).set('X-Forwarded-For', freshIp()).expect(200);
      expect(resolve).toHaveBeenCalledTimes(1);
    } finally {
      resolve.mockRestore();
    }
  });
});

describe('per-IP request limit: its default leaves a real user alone', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR } });

  /** A browser's cold visit of a page: the HTML, then every same-origin stylesheet, script, icon and image it names. */
  async function visit(server: Server, path: string, cookie: string): Promise<number[]> {
    const page = await request(server).get(path).set('Cookie', cookie).set('Accept', 'text/html');
    const statuses = [page.status];
    const refs = [...page.text.matchAll(/(?:src|href)="(\/(?:static|samples)\/[^"]+)"/g)].map((m) => m[1]);
    for (const ref of new Set(refs)) statuses.push((await request(server).get(ref).set('Cookie', cookie)).status);
    return statuses;
  }

  it('ten cold visits of each main page within the minute (no cache) stay under RATE_LIMIT_REQUESTS_PER_MINUTE', async () => {
    const perMinute = h.get(AppConfig).accounts.rateLimits.requestsPerMinute;
    const s = await loginAs(h.app);
    const server = h.server;
    const statuses: number[] = [];
    for (let round = 0; round < 10; round++) {
      for (const path of ['/', '/studies', '/history', '/account']) statuses.push(...(await visit(server, path, s.cookie)));
    }
    expect(statuses.filter((st) => st === 429)).toEqual([]);
    // and not by a hair (560 requests at the time of writing): a quarter of the minute's budget or more is left
    // for a batch, a second tab, a colleague behind the same NAT
    expect(statuses.length).toBeLessThan(perMinute * 0.75);
  });
});
