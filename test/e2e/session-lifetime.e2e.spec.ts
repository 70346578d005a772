/**
 * README claims about logins that had no test: SESSION_TTL_HOURS / API_TOKEN_TTL_HOURS are "the
 * lifetime of a login / of an API token" (a login past it is refused, whatever the client still
 * holds), tokens are "stored hashed in the same table (kind = 'api')", and COOKIE_SECURE
 * `true` / `false` decides Secure (and the __Host- name) whatever the request's protocol.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { createUser, loginAs, loginViaForm } from '../helpers/auth';
import { startApp, testConfig } from '../support/app';
import { useApp } from '../support/use-app';

const HOUR = 3_600_000;
/** Nothing here is analysed: no inference workers to start (two cost seconds of CPU at each boot). */
const NO_ANALYSES = { INFERENCE_WORKERS: '0' };
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const setCookies = (res: request.Response) => ([] as string[]).concat(res.headers['set-cookie'] ?? []);

describe('login lifetimes: SESSION_TTL_HOURS, API_TOKEN_TTL_HOURS', () => {
  const h = useApp({ env: { ...NO_ANALYSES, SESSION_TTL_HOURS: '2', API_TOKEN_TTL_HOURS: '5' } });

  it('a token lives API_TOKEN_TTL_HOURS, stored only as its sha256 (kind api); past it, 401', async () => {
    const { user, password } = await createUser(h.app);
    const before = Date.now();
    const res = await request(h.app.getHttpServer()).post('/api/v1/auth/token').send({ email: user.email, password }).expect(200);
    const { token, expiresAt } = res.body as { token: string; expiresAt: string };
    const lifetime = Date.parse(expiresAt) - before;
    expect(lifetime).toBeGreaterThan(5 * HOUR - 60_000);
    expect(lifetime).toBeLessThanOrEqual(5 * HOUR + 60_000);

    const prisma = h.app.get(PrismaService);
    const rows = await prisma.session.findMany({ where: { userId: user.id } });
    expect(rows.map((r) => ({ kind: r.kind, tokenHash: r.tokenHash }))).toEqual([{ kind: 'api', tokenHash: sha256(token) }]);

    const bearer = { Authorization: `Bearer ${token}` };
    await request(h.app.getHttpServer()).get('/api/v1/auth/me').set(bearer).expect(200);
    await prisma.session.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await request(h.app.getHttpServer()).get('/api/v1/auth/me').set(bearer).expect(401);
  });

  it('a browser login lives SESSION_TTL_HOURS (cookie Max-Age and the stored row); past it, back to /login', async () => {
    const { user, password } = await createUser(h.app);
    const res = await loginViaForm(h.app, user.email, password);
    expect(res.status).toBe(303);
    const session = setCookies(res).find((c) => c.startsWith('sentinel_session='))!;
    // the cookie outlives the login by ENDED_NOTICE_GRACE_MS (7 days), so an expired login is told
    // apart from none (login-ended.e2e.spec.ts); the stored row below is what ends the login
    expect(session).toMatch(/Max-Age=612000(;|$)/);
    const prisma = h.app.get(PrismaService);
    const [row] = await prisma.session.findMany({ where: { userId: user.id, kind: 'web' } });
    expect(row.expiresAt.getTime() - Date.now()).toBeGreaterThan(2 * HOUR - 60_000);
    expect(row.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(2 * HOUR);

    const cookie = session.split(';')[0];
    await request(h.app.getHttpServer()).get('/history').set('Cookie', cookie).set('Accept', 'text/html').expect(200);
    await prisma.session.update({ where: { id: row.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const after = await request(h.app.getHttpServer()).get('/history').set('Cookie', cookie).set('Accept', 'text/html');
    expect([after.status, after.headers.location]).toEqual([302, '/login?next=%2Fhistory&ended=1']); // a login that ended, not one never made
  });

  it('an expired session given as a cookie is no API login either (401)', async () => {
    const s = await loginAs(h.app);
    await h.app.get(PrismaService).session.updateMany({ where: { userId: s.user.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await request(h.app.getHttpServer()).get('/api/v1/history').set(s.bearer).expect(401);
    await request(h.app.getHttpServer()).get('/api/v1/history').set(s.headers).expect(401);
  });
});

describe('COOKIE_SECURE', () => {
  it('true: Secure cookies named __Host-… even on a plain-HTTP request', async () => {
    const app = await startApp(testConfig({ ...NO_ANALYSES, COOKIE_SECURE: 'true' }));
    try {
      const page = await request(app.getHttpServer()).get('/login').set('Accept', 'text/html').expect(200);
      const csrf = setCookies(page).find((c) => c.startsWith('__Host-sentinel_csrf='));
      expect(csrf).toMatch(/; Secure/);
      expect(setCookies(page).some((c) => c.startsWith('sentinel_csrf='))).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('false: never Secure, even behind a trusted TLS proxy', async () => {
    const app = await startApp(testConfig({ ...NO_ANALYSES, COOKIE_SECURE: 'false', TRUST_PROXY: 'true' }));
    try {
      const page = await request(app.getHttpServer()).get('/login').set('X-Forwarded-Proto', 'https').set('Accept', 'text/html').expect(200);
      const csrf = setCookies(page).find((c) => c.startsWith('sentinel_csrf='));
      expect(csrf).toBeDefined();
      expect(csrf).not.toMatch(/Secure/);
    } finally {
      await app.close();
    }
  });
});
