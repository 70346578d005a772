import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { CSRF_COOKIE, SESSION_COOKIE } from '../../src/accounts/cookies';
import { Csrf } from '../../src/accounts/csrf';
import type { Role } from '../../src/accounts/roles';
import { SessionsService } from '../../src/accounts/sessions.service';
import { UsersService, UserView } from '../../src/accounts/users.service';

/**
 * Logged-in test callers, for every e2e test now that the global login guard is on.
 *
 *   const alice = await loginAs(app);                       // a fresh 'user'
 *   const root = await loginAs(app, { role: 'admin' });
 *   request(server).post('/api/v1/analyses').set(alice.bearer).attach('image', png, 'x.png');
 *   request(server).get('/').set(alice.headers);             // browser: cookie + CSRF header
 *   request(server).post('/admin/users').set(root.headers).type('form').send({ _csrf: root.csrfToken, … });
 *
 * Sessions and tokens are created directly through the services (no HTTP round trip, so they
 * never count against the login rate limits); test/e2e/auth.e2e.spec.ts covers the real login.
 */
export interface TestSession {
  user: UserView;
  password: string;
  /** raw session cookie value and the Cookie header with it and the CSRF cookie */
  cookie: string;
  csrfToken: string;
  /** API bearer token */
  token: string;
  /** browser-like: Cookie + X-CSRF-Token (valid for GET and POST) */
  headers: { Cookie: string; 'X-CSRF-Token': string };
  /** API-client-like: Authorization: Bearer … */
  bearer: { Authorization: string };
}

let counter = 0;

/** `mustChangePassword` (default false: a user who chose their own) — true plays an admin-set password. */
export async function createUser(app: INestApplication, opts: { email?: string; role?: Role; password?: string; mustChangePassword?: boolean } = {}): Promise<{ user: UserView; password: string }> {
  const password = opts.password ?? `pw-${randomBytes(9).toString('base64url')}`;
  const email = opts.email ?? `${opts.role ?? 'user'}-${++counter}-${randomBytes(3).toString('hex')}@example.test`;
  const user = await app.get(UsersService).create({ email, password, role: opts.role ?? 'user', mustChangePassword: opts.mustChangePassword ?? false });
  return { user, password };
}

export async function sessionFor(app: INestApplication, user: UserView, password = ''): Promise<TestSession> {
  const sessions = app.get(SessionsService);
  const web = await sessions.create(user.id, 'web');
  const api = await sessions.create(user.id, 'api');
  const csrfCookie = Csrf.newCookieValue();
  const csrfToken = app.get(Csrf).tokenFor(csrfCookie, web.token); // bound to this login session
  const cookie = `${SESSION_COOKIE}=${web.token}; ${CSRF_COOKIE}=${csrfCookie}`;
  return {
    user,
    password,
    cookie,
    csrfToken,
    token: api.token,
    headers: { Cookie: cookie, 'X-CSRF-Token': csrfToken },
    bearer: { Authorization: `Bearer ${api.token}` },
  };
}

/** A new user of this role, logged in (cookie session + API token). */
export async function loginAs(app: INestApplication, opts: { email?: string; role?: Role; password?: string; mustChangePassword?: boolean } = {}): Promise<TestSession> {
  const { user, password } = await createUser(app, opts);
  return sessionFor(app, user, password);
}

/** Anonymous browser state: the CSRF cookie + token a GET of /login hands out. */
export async function anonymousCsrf(app: INestApplication): Promise<{ cookie: string; csrfToken: string }> {
  const res = await request(app.getHttpServer()).get('/login').set('Accept', 'text/html').expect(200);
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const cookie = setCookie.map((c) => c.split(';')[0]).join('; ');
  const m = /name="_csrf" value="([^"]+)"/.exec(res.text);
  if (!m) throw new Error('no CSRF token on /login');
  return { cookie, csrfToken: m[1] };
}

/** The real login form: returns the Set-Cookie session (or the failed response). `ip` needs TRUST_PROXY. */
export async function loginViaForm(app: INestApplication, email: string, password: string, ip?: string): Promise<request.Response> {
  const { cookie, csrfToken } = await anonymousCsrf(app);
  const req = request(app.getHttpServer()).post('/login').set('Cookie', cookie).set('Accept', 'text/html').type('form');
  if (ip) req.set('X-Forwarded-For', ip);
  return req.send({ _csrf: csrfToken, email, password, next: '/' });
}
