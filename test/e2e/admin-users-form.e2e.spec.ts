/**
 * The admin "Create user" form after an error: it came back empty, the typed email lost, so the
 * admin retyped it to fix one mistake. It now keeps the email and the role; the password is never
 * sent back in the page. The confirmation step of "New password" and "Disable" is a browser
 * dialog (test/browser/accounts.browser.spec.ts); here: the page carries it on those forms only.
 */
import request from 'supertest';
import { createUser } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

describe('admin users page: the create form after an error', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR }, sessions: { admin: { role: 'admin' } } });
  const { admin } = h.sessions;

  it('keeps the typed email and role, never the password', async () => {
    const taken = await createUser(h.app, { email: 'taken.person@example.test' });
    const password = 'typed-secret-passphrase-9';
    const res = await request(h.server)
      .post('/admin/users')
      .set({ ...admin.headers, Accept: 'text/html' })
      .type('form')
      .send({ _csrf: admin.csrfToken, email: taken.user.email, password, role: 'admin' });
    expect(res.status).toBe(409);
    expect(res.text).toContain('already exists');
    const create = /<form method="post" action="\/admin\/users" [\s\S]*?<\/form>/.exec(res.text)?.[0] ?? '';
    // the duplicate email is the field at fault: kept, and marked for assistive technology
    expect(create).toMatch(/<input type="email" name="email" value="taken\.person@example\.test" required aria-invalid="true" aria-describedby="form-error" autofocus>/);
    expect(create).toMatch(/<option value="admin" selected>/);
    expect(res.text).not.toContain(password);
  });

  it('the create form shows the password rules beside the field, and a creation says what to pass on', async () => {
    const page = await request(h.server).get('/admin/users').set({ ...admin.headers, Accept: 'text/html' }).expect(200);
    expect(page.text).toMatch(/<input type="password" name="password"[^>]* aria-describedby="new-user-password-rules">/);
    expect(page.text).toContain('id="new-user-password-rules">Password: at least 10 characters;');
    const created = await request(h.server)
      .post('/admin/users')
      .set({ ...admin.headers, Accept: 'text/html' })
      .type('form')
      .send({ _csrf: admin.csrfToken, email: 'new.colleague@example.test', password: 'first-passphrase-for-you', role: 'user' })
      .redirects(1);
    expect(created.status).toBe(200);
    expect(created.text).toContain('Created new.colleague@example.test (user). Give them their email and the password you chose');
    expect(created.text).toContain('they log in at /login. The user will be asked to choose a new password at first login.');
    expect(created.text).not.toContain('first-passphrase-for-you');
  });

  it('"New password" and the status form ask for confirmation; the page loads the script that asks', async () => {
    const res = await request(h.server).get('/admin/users').set({ ...admin.headers, Accept: 'text/html' }).expect(200);
    expect(res.text).toContain('<script src="/static/js/admin-users.js" defer></script>');
    expect(res.text).toMatch(/action="\/admin\/users\/[\w-]+\/password" class="form-inline" data-confirm="Give [^"]+ a new password\?/);
    // a row's questions, one per change of its selects that asks (admin-users.confirm dialogQuestions)
    expect(res.text).toMatch(/data-confirm-user-true="Disable [^"]+\?/);
    expect(res.text).toMatch(/data-confirm-admin-false="Make [^"]+ an admin\? Admins see every user&#x27;s analyses and history/);
  });

  it('its times say they are UTC, as the history\'s do (a bare "2026-12-06 14:23:30" reads as local time)', async () => {
    const res = await request(h.server).get('/admin/users').set({ ...admin.headers, Accept: 'text/html' }).expect(200);
    expect(res.text).toContain('role="columnheader">Created (UTC)</th>');
    expect(res.text).toContain('role="columnheader">Last login (UTC)</th>');
    // the phone layout's labels (data-label) too
    expect(res.text).toMatch(/data-label="Created \(UTC\)">\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}</);
    expect(res.text).toContain('data-label="Last login (UTC)"');
  });
});
