import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { createUser } from '../helpers/auth';
import { startApp, testConfig } from '../support/app';

/** Nothing here is analysed: no inference workers to start (two cost seconds of CPU at each boot). */
const NO_ANALYSES = { INFERENCE_WORKERS: '0' };

/** Settings and first start, each on a fresh app: Secure cookie names behind a TLS proxy, the default first admin. */
describe('cookies behind a TLS proxy', () => {
  it('TRUST_PROXY + X-Forwarded-Proto: https → Secure cookies named __Host-…', async () => {
    const app = await startApp(testConfig({ ...NO_ANALYSES, TRUST_PROXY: 'true' }));
    try {
      const { user, password } = await createUser(app);
      const page = await request(app.getHttpServer()).get('/login').set('X-Forwarded-Proto', 'https').set('Accept', 'text/html').expect(200);
      const csrfCookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []).find((c) => c.startsWith('__Host-sentinel_csrf='))!;
      expect(csrfCookie).toMatch(/Secure/);
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
      const res = await request(app.getHttpServer())
        .post('/login')
        .set('X-Forwarded-Proto', 'https')
        .set('Cookie', csrfCookie.split(';')[0])
        .type('form')
        .send({ _csrf: token, email: user.email, password })
        .expect(303);
      const session = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('__Host-sentinel_session='))!;
      expect(session).toMatch(/Secure/);
      expect(session).toMatch(/HttpOnly/);
    } finally {
      await app.close();
    }
  });

  it('first start without SEED_ADMIN_* creates admin@localhost (password printed once, outside tests)', async () => {
    const app = await startApp(testConfig(NO_ANALYSES));
    try {
      const users = await app.get(PrismaService).user.findMany();
      expect(users).toEqual([expect.objectContaining({ email: 'admin@localhost', role: 'admin', disabled: false })]);
    } finally {
      await app.close();
    }
  });
});
