/**
 * The admin users page without JavaScript: its confirmation dialog lives in public/js/admin-users.js,
 * so with scripts off (or the script not loaded) "Save" on a changed status and "New password" acted
 * on the first click — one slip locked a colleague out. A change of status and a new password now
 * answer with a confirmation page naming the user and the action; only its Confirm (which posts
 * `confirmed=yes` with the CSRF token) acts. The script's dialog sends `confirmed=yes` itself, so
 * the JavaScript path still asks exactly once (test/browser/admin-users-confirm-nojs.browser.spec.ts).
 */
import request from 'supertest';
import { createUser, loginAs, sessionFor } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

describe('admin users page: a server-rendered confirmation before disabling, enabling or a new password', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR }, sessions: { admin: { role: 'admin' } } });
  const { admin } = h.sessions;
  const server = () => h.server;
  const page = { Accept: 'text/html' };

  async function stateOf(id: string): Promise<{ role: string; disabled: boolean }> {
    const list = await request(server()).get('/api/v1/users').set(admin.bearer).expect(200);
    const u = (list.body as { id: string; role: string; disabled: boolean }[]).find((x) => x.id === id);
    if (!u) throw new Error(`no user ${id}`);
    return { role: u.role, disabled: u.disabled };
  }

  /** The confirmation page's one form: its action and its fields. */
  function confirmForm(html: string): { action: string; fields: Record<string, string> } {
    const form = /<form method="post" action="([^"]+)" class="confirm-form">([\s\S]*?)<\/form>/.exec(html);
    if (!form) throw new Error('no confirmation form in the page');
    const fields: Record<string, string> = {};
    for (const m of form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = m[2];
    return { action: form[1], fields };
  }

  it('disable: the first post changes nothing and asks; only the confirmation disables', async () => {
    const colleague = await sessionFor(h.app, (await createUser(h.app, { email: 'colleague.nojs@example.test' })).user);
    const ask = await request(server()).post(`/admin/users/${colleague.user.id}`).set({ ...admin.headers, ...page }).type('form').send({ _csrf: admin.csrfToken, role: 'user', disabled: 'true' });
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('Disable colleague.nojs@example.test?');
    expect(ask.text).toContain('Their sessions and API tokens end at once and they cannot log in until re-enabled.');
    expect(ask.text).toContain('Research use only — not for clinical use');
    expect(ask.text).toMatch(/<a class="btn ghost" href="\/admin\/users" autofocus>Cancel<\/a>/);
    expect(ask.text).toMatch(/<button type="submit" class="btn primary">Disable colleague\.nojs@example\.test<\/button>/);
    const form = confirmForm(ask.text);
    expect(form).toEqual({ action: `/admin/users/${colleague.user.id}`, fields: { _csrf: admin.csrfToken, role: 'user', disabled: 'true', confirmed: 'yes' } });
    // nothing changed yet: the account is active and its token still works
    expect(await stateOf(colleague.user.id)).toEqual({ role: 'user', disabled: false });
    await request(server()).get('/api/v1/auth/me').set(colleague.bearer).expect(200);

    const done = await request(server()).post(form.action).set({ Cookie: admin.cookie, ...page }).type('form').send(form.fields);
    expect([done.status, done.headers.location]).toEqual([303, `/admin/users?done=updated&user=${colleague.user.id}`]);
    expect(await stateOf(colleague.user.id)).toEqual({ role: 'user', disabled: true });
    await request(server()).get('/api/v1/auth/me').set(colleague.bearer).expect(401);
  });

  it('the confirmation needs the CSRF token: a post of its fields without one changes nothing', async () => {
    const { user } = await createUser(h.app);
    const res = await request(server()).post(`/admin/users/${user.id}`).set({ Cookie: admin.cookie, ...page }).type('form').send({ role: 'user', disabled: 'true', confirmed: 'yes' });
    expect(res.status).toBe(403);
    expect(await stateOf(user.id)).toEqual({ role: 'user', disabled: false });
  });

  it('re-enable asks too, and says what it gives back', async () => {
    const { user } = await createUser(h.app, { email: 'returning.nojs@example.test' });
    await request(server()).patch(`/api/v1/users/${user.id}`).set(admin.bearer).send({ disabled: true }).expect(200);
    const ask = await request(server()).post(`/admin/users/${user.id}`).set({ ...admin.headers, ...page }).type('form').send({ _csrf: admin.csrfToken, role: 'user', disabled: 'false' });
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('Enable returning.nojs@example.test?');
    expect(ask.text).toContain('They can log in again');
    expect(await stateOf(user.id)).toEqual({ role: 'user', disabled: true });
    const form = confirmForm(ask.text);
    expect(form.fields).toMatchObject({ disabled: 'false', confirmed: 'yes' });
    await request(server()).post(form.action).set({ Cookie: admin.cookie, ...page }).type('form').send(form.fields).expect(303);
    expect(await stateOf(user.id)).toEqual({ role: 'user', disabled: false });
  });

  it('a status change with a role change names both; making someone admin asks, in the dialog\'s words', async () => {
    // a promotion acted on the first post: a slip on the role select opened everyone's history to the user
    const { user } = await createUser(h.app, { email: 'both.nojs@example.test' });
    const both = await request(server()).post(`/admin/users/${user.id}`).set({ ...admin.headers, ...page }).type('form').send({ _csrf: admin.csrfToken, role: 'admin', disabled: 'true' });
    expect(both.status).toBe(200);
    expect(both.text).toContain('Disable both.nojs@example.test and make them admin?');
    expect(await stateOf(user.id)).toEqual({ role: 'user', disabled: false });
    const ask = await request(server()).post(`/admin/users/${user.id}`).set({ ...admin.headers, ...page }).type('form').send({ _csrf: admin.csrfToken, role: 'admin', disabled: 'false' });
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('Make both.nojs@example.test an admin?');
    expect(ask.text).toContain('Admins see every user&#x27;s analyses and history, and manage all accounts.');
    expect(await stateOf(user.id)).toEqual({ role: 'user', disabled: false });
    // the list's dialog asks the same question (one wording source)
    const list = await request(server()).get('/admin/users').set({ ...admin.headers, ...page }).expect(200);
    expect(list.text).toContain('data-confirm-admin-false="Make both.nojs@example.test an admin? Admins see every user&#x27;s analyses and history, and manage all accounts."');
    const form = confirmForm(ask.text);
    expect(form.fields).toEqual({ _csrf: admin.csrfToken, role: 'admin', disabled: 'false', confirmed: 'yes' });
    const role = await request(server()).post(form.action).set({ Cookie: admin.cookie, ...page }).type('form').send(form.fields);
    expect([role.status, role.headers.location]).toEqual([303, `/admin/users?done=updated&user=${user.id}`]);
    expect(await stateOf(user.id)).toEqual({ role: 'admin', disabled: false });
    // the notice after the redirect is the one it always was
    const notice = await request(server()).get(role.headers.location).set({ ...admin.headers, ...page }).expect(200);
    expect(notice.text).toContain('Updated both.nojs@example.test: admin, active.');
  });

  it('demoting another admin acts at once (it gives no one access; undone in one click); demoting oneself asks', async () => {
    const { user } = await createUser(h.app, { email: 'demoted.nojs@example.test', role: 'admin' });
    const other = await request(server()).post(`/admin/users/${user.id}`).set({ ...admin.headers, ...page }).type('form').send({ _csrf: admin.csrfToken, role: 'user', disabled: 'false' });
    expect([other.status, other.headers.location]).toEqual([303, `/admin/users?done=updated&user=${user.id}`]);
    expect(await stateOf(user.id)).toEqual({ role: 'user', disabled: false });
    await createUser(h.app, { role: 'admin' }); // not the last admin
    const self = await request(server()).post(`/admin/users/${admin.user.id}`).set({ ...admin.headers, ...page }).type('form').send({ _csrf: admin.csrfToken, role: 'user', disabled: 'false' });
    expect(self.status).toBe(200);
    expect(self.text).toContain(`Make ${admin.user.email} (you) a user?`);
    expect(await stateOf(admin.user.id)).toEqual({ role: 'admin', disabled: false });
  });

  it('new password: the first post shows none and keeps the old one working; the confirmation shows it once', async () => {
    const colleague = await sessionFor(h.app, (await createUser(h.app, { email: 'reset.nojs@example.test' })).user);
    const ask = await request(server()).post(`/admin/users/${colleague.user.id}/password`).set({ ...admin.headers, ...page }).type('form').send({ _csrf: admin.csrfToken });
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('Give reset.nojs@example.test a new password?');
    expect(ask.text).not.toContain('id="new-password"');
    const form = confirmForm(ask.text);
    // the key: a resend of the confirmed form changes nothing (admin-users-reset-once.e2e.spec.ts)
    expect(form).toEqual({ action: `/admin/users/${colleague.user.id}/password`, fields: { _csrf: admin.csrfToken, key: expect.stringMatching(/^[\w-]{43}$/), confirmed: 'yes' } });
    await request(server()).get('/api/v1/auth/me').set(colleague.bearer).expect(200);

    const done = await request(server()).post(form.action).set({ Cookie: admin.cookie, ...page }).type('form').send(form.fields);
    expect(done.status).toBe(200);
    expect(done.text).toMatch(/New password for reset\.nojs@example\.test \(shown once, pass it on safely\): <code id="new-password">[^<]+<\/code>/);
    await request(server()).get('/api/v1/auth/me').set(colleague.bearer).expect(401);
  });

  it('refusals come before any confirmation: disabling oneself, one\'s own new password, an unknown user', async () => {
    await createUser(h.app, { role: 'admin' }); // not the last admin: the self-refusal is what refuses
    const self = await request(server()).post(`/admin/users/${admin.user.id}`).set({ ...admin.headers, ...page }).type('form').send({ _csrf: admin.csrfToken, role: 'admin', disabled: 'true' });
    expect(self.status).toBe(403);
    expect(self.text).toContain('You cannot disable your own account.');
    expect(self.text).not.toContain('class="confirm-form"');
    const ownPassword = await request(server()).post(`/admin/users/${admin.user.id}/password`).set({ ...admin.headers, ...page }).type('form').send({ _csrf: admin.csrfToken });
    expect(ownPassword.status).toBe(403);
    expect(ownPassword.text).not.toContain('class="confirm-form"');
    const nobody = '00000000-0000-4000-8000-000000000000';
    await request(server()).post(`/admin/users/${nobody}`).set({ ...admin.headers, ...page }).type('form').send({ _csrf: admin.csrfToken, disabled: 'true' }).expect(404);
    await request(server()).post(`/admin/users/${nobody}/password`).set({ ...admin.headers, ...page }).type('form').send({ _csrf: admin.csrfToken }).expect(404);
    // and confirmed, the self-disable is still refused
    await request(server()).post(`/admin/users/${admin.user.id}`).set({ ...admin.headers, ...page }).type('form').send({ _csrf: admin.csrfToken, role: 'admin', disabled: 'true', confirmed: 'yes' }).expect(403);
    expect(await stateOf(admin.user.id)).toEqual({ role: 'admin', disabled: false });
  });

  it('a non-admin gets no confirmation page either', async () => {
    const user = await loginAs(h.app);
    const res = await request(server()).post(`/admin/users/${admin.user.id}`).set({ ...user.headers, ...page }).type('form').send({ _csrf: user.csrfToken, disabled: 'true' });
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('class="confirm-form"');
  });

  it('`confirmed` takes only "yes"; the page\'s own forms never carry it (only the script adds it, once asked)', async () => {
    const { user } = await createUser(h.app);
    await request(server()).post(`/admin/users/${user.id}`).set({ ...admin.headers, ...page }).type('form').send({ _csrf: admin.csrfToken, disabled: 'true', confirmed: 'no' }).expect(400);
    expect(await stateOf(user.id)).toEqual({ role: 'user', disabled: false });
    const list = await request(server()).get('/admin/users').set({ ...admin.headers, ...page }).expect(200);
    expect(list.text).not.toContain('name="confirmed"');
  });
});
