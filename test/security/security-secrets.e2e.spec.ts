/**
 * Issue 5 — security checks, second half (the first: security.e2e.spec.ts, same app set-up in
 * security-suite.ts):
 *   - password guessing throttled per account;
 *   - secrets at rest: passwords scrypt-hashed, session/API tokens not stored in clear;
 *   - user text (emails with HTML, reflected query parameters) escaped in every page, and
 *     carried verbatim (as text, not markup) into the PDF;
 *   - logs: no password, token, CSRF token, SESSION_SECRET or image byte at verbose level.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import * as fs from 'node:fs';
import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { createUser, loginViaForm, TestSession } from '../helpers/auth';
import { binary, pdfText } from '../helpers/pdf-text';
import { Route } from '../support/routes';
import { ADMIN, EVIL_EMAIL, EVIL_PASSWORD, expectNoSecretsLogged, fill, SECRET, Server, testConfigFile, useSecuritySuite, XSS } from './security-suite';

describe('security: login throttle, secrets at rest, escaping, PDFs', () => {
  const s = useSecuritySuite();
  let app: NestExpressApplication;
  let server: Server;
  let all: Route[];
  let admin: TestSession;
  let alice: TestSession;
  let bob: TestSession;
  let evil: TestSession;
  let aliceAnalysisId: string;
  let image: Buffer;
  beforeAll(() => ({ app, server, all, admin, alice, bob, evil, aliceAnalysisId, image } = s));

  it('throttles password guessing per account: after 5 wrong passwords even the right one waits (429 + Retry-After)', async () => {
    const victim = await createUser(app, { email: 'victim@example.test', password: 'victim-password-123' });
    for (let i = 0; i < 5; i++) {
      const res = await request(server).post('/api/v1/auth/token').send({ email: victim.user.email, password: `guess-${i}-xxxxxxxx` });
      expect(res.status).toBe(401);
    }
    const blocked = await request(server).post('/api/v1/auth/token').send({ email: victim.user.email, password: victim.password });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.body.token).toBeUndefined();
    // the form login shares the account's counter
    const form = await loginViaForm(app, victim.user.email, victim.password);
    expect(form.status).toBe(429);
  });

  // -------------------------------------------------------------------------------------------
  it('stores passwords only as salted scrypt hashes, and no session or API token in clear', async () => {
    const users = await app.get(PrismaService).user.findMany();
    expect(users.length).toBeGreaterThanOrEqual(5);
    for (const u of users) {
      expect(u.passwordHash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]{16,}\$[A-Za-z0-9+/=]{32,}$/);
    }
    expect(new Set(users.map((u) => u.passwordHash.split('$')[4])).size).toBe(users.length); // unique salts
    const db = app.get(PrismaService);
    await db.$queryRawUnsafe('PRAGMA wal_checkpoint(FULL)').catch(() => undefined);
    const cfg = testConfigFile(app);
    const files = [cfg, `${cfg}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f).toString('latin1'));
    for (const secret of [ADMIN.password, EVIL_PASSWORD, alice.password, alice.token, bob.token, admin.cookie.split(';')[0].split('=')[1], SECRET]) {
      expect({ secret: secret.slice(0, 6), inDb: files.some((f) => f.includes(secret)) }).toEqual({ secret: secret.slice(0, 6), inDb: false });
    }
  });

  // -------------------------------------------------------------------------------------------
  it('escapes user-supplied text (emails, query parameters) in every page', async () => {
    const wrong: string[] = [];
    const raw = (html: string | undefined) => (html ?? '').includes('<img/src=x/onerror=alert(1)>') || (html ?? '').includes("<script>alert('xss')</script>");
    // pages showing emails: the admin user list and history, and the evil user's own pages
    const pages = all.filter((r) => r.method === 'GET' && !r.path.startsWith('/api/') && !r.path.includes('.') && r.path !== '/healthz' && r.path !== '/readyz');
    for (const who of [admin, evil]) {
      for (const r of pages) {
        const url = `${fill(r.path, aliceAnalysisId)}?next=${encodeURIComponent(XSS)}&done=${encodeURIComponent(XSS)}&email=${encodeURIComponent(XSS)}&user=${encodeURIComponent(XSS)}&status=${encodeURIComponent(XSS)}&label=${encodeURIComponent(XSS)}&from=${encodeURIComponent(XSS)}&page=${encodeURIComponent(XSS)}`;
        const res = await request(server).get(url).set({ ...who.headers, Accept: 'text/html' });
        if (raw(res.text)) wrong.push(`GET ${r.path} as ${who === admin ? 'admin' : 'evil user'} (${res.status})`);
      }
    }
    // the email is shown, escaped, in the admin list and in the evil user's own top bar
    const list = await request(server).get('/admin/users').set({ ...admin.headers, Accept: 'text/html' }).expect(200);
    expect(list.text).toContain('&lt;img/src');
    const own = await request(server).get('/').set({ ...evil.headers, Accept: 'text/html' }).expect(200);
    expect(own.text).toContain('&lt;img/src');
    // error messages that repeat user input: duplicate user, failed login re-rendering the email
    const dup = await request(server).post('/admin/users').set(admin.headers).type('form').send({ _csrf: admin.csrfToken, email: EVIL_EMAIL, password: 'whatever-password-1' });
    expect(dup.status).toBeGreaterThanOrEqual(400);
    if (raw(dup.text)) wrong.push('POST /admin/users duplicate-email error');
    const failed = await loginViaForm(app, XSS, 'wrong-password-123');
    if (raw(failed.text)) wrong.push('POST /login failed-login page');
    const failedNext = await loginViaForm(app, EVIL_EMAIL, 'wrong-password-123');
    if (raw(failedNext.text)) wrong.push('POST /login with the evil email');
    expect(wrong).toEqual([]);
  });

  it('carries user text into PDFs as text, verbatim, never as PDF syntax', async () => {
    const res = await request(server).post('/api/v1/analyses').set(evil.bearer).attach('image', image, 'e.png').expect(200);
    expect(res.body.status).toBeDefined();
    const hist = await request(server).get('/api/v1/history').set(evil.bearer).expect(200);
    const id = ((hist.body.items ?? hist.body) as { id: string }[])[0].id;
    const pdf = await request(server).get(`/api/v1/history/${id}/report.pdf`).set(evil.bearer).buffer(true).parse(binary);
    expect(pdf.status).toBe(200);
    const bytes = pdf.body as Buffer;
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdfText(bytes)).toContain(EVIL_EMAIL);
    // no PDF actions or scripts could have been smuggled in; the only links are the model cards on this origin
    const raw = bytes.toString('latin1');
    expect(raw).not.toMatch(/\/JavaScript|\/JS\s|\/OpenAction|\/Launch|\/GoToR|\/SubmitForm/);
    const uris = [...raw.matchAll(/\/URI\s*\(((?:\\.|[^\\)])*)\)/g)].map((m) => m[1]);
    expect(uris.length).toBeGreaterThan(0);
    for (const u of uris) expect(u).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/models\/[a-z0-9_-]+$/);
    // a Host header that is not a plain host[:port] cannot become a link (the PDF prints the path)
    const hostile = await request(server).get(`/api/v1/history/${id}/report.pdf`).set(evil.bearer).set('Host', 'evil.org) /URI (javascript:alert(1)').buffer(true).parse(binary);
    expect(hostile.status).toBe(200);
    expect((hostile.body as Buffer).toString('latin1')).not.toMatch(/\/URI|javascript/i);
    expect(String(pdf.headers['content-disposition'])).toMatch(/^attachment; filename="mri-sentinel-\d{4}-\d{2}-\d{2}-(study-)?[a-z0-9-]+(-metadata)?\.pdf"$/);
  });

  // -------------------------------------------------------------------------------------------

  // -------------------------------------------------------------------------------------------
  it('logs no password, token, CSRF token, session secret or image byte (verbose level)', () => expectNoSecretsLogged(s));
});
