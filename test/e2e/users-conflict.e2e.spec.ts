/**
 * Creating a user whose email already exists is a conflict with the stored state, not a malformed
 * request: 409 CONFLICT, named, from the API and the admin page's form alike. It answered 400
 * BAD_REQUEST, the code of a body the schema refuses. Two creates of one email at once: one is
 * created, the other is the same 409 — never a 500 from the database's unique index.
 */
import request from 'supertest';
import { createUser } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

describe('POST /api/v1/users and /admin/users with an email that exists', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR }, sessions: { admin: { role: 'admin' } } });
  const { admin } = h.sessions;
  const password = 'a fine temp passphrase 7';

  it('API: 409 CONFLICT naming the email (case and spaces aside), and nothing created', async () => {
    const taken = await createUser(h.app, { email: 'taken.api@example.test' });
    const before = (await request(h.server).get('/api/v1/users').set(admin.bearer).expect(200)).body.length;
    const res = await request(h.server).post('/api/v1/users').set(admin.bearer).send({ email: ' Taken.API@example.test ', password, role: 'user' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ statusCode: 409, code: 'CONFLICT', message: `A user with the email ${taken.user.email} already exists.` });
    expect((await request(h.server).get('/api/v1/users').set(admin.bearer).expect(200)).body.length).toBe(before);
  });

  it('bad input stays a 400 (a conflict is only an existing email)', async () => {
    const res = await request(h.server).post('/api/v1/users').set(admin.bearer).send({ email: 'not-an-email', password, role: 'user' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('BAD_REQUEST');
  });

  it('two creates of one email at once: one 201, the other 409 CONFLICT (not a 500 from the unique index)', async () => {
    const send = () => request(h.server).post('/api/v1/users').set(admin.bearer).send({ email: 'racing@example.test', password, role: 'user' });
    const answers = await Promise.all([send(), send(), send()]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    for (const r of answers.filter((a) => a.status === 409)) expect(r.body.code).toBe('CONFLICT');
  });

  it('the admin page: 409, the message beside the email field, which keeps the typed value', async () => {
    const taken = await createUser(h.app, { email: 'taken.form@example.test' });
    const res = await request(h.server)
      .post('/admin/users')
      .set({ ...admin.headers, Accept: 'text/html' })
      .type('form')
      .send({ _csrf: admin.csrfToken, email: taken.user.email, password, role: 'user' });
    expect(res.status).toBe(409);
    expect(res.text).toContain(`A user with the email ${taken.user.email} already exists.`);
    expect(res.text).toMatch(/<input type="email" name="email" value="taken\.form@example\.test" required aria-invalid="true" aria-describedby="form-error" autofocus>/);
  });
});
