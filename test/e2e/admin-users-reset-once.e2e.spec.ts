/**
 * "New password" sent twice. The confirmed reset answers with the password in the POST's own page;
 * reloading it (and accepting the browser's "resend?") posted the same form again and made ANOTHER
 * password, so the one the admin had just copied silently stopped working. The page's forms now
 * carry a one-time key (which password they were shown against): a second post of the same form
 * changes nothing, shows no password and tells the admin what happened. Both paths: the
 * confirmation page's form (no JavaScript) and the list's own form sent with `confirmed=yes` (the
 * script's dialog, public/js/admin-users.js).
 */
import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { createUser, loginViaForm } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

describe('admin "New password": the same confirmed form sent twice changes the password once', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR }, sessions: { admin: { role: 'admin' } } });
  const { admin } = h.sessions;
  const server = () => h.server;
  const page = { Accept: 'text/html' };

  async function hashOf(id: string): Promise<string> {
    return (await h.get(PrismaService).user.findUniqueOrThrow({ where: { id } })).passwordHash;
  }

  /** The hidden fields of the first form in `html` posting to `action`, whatever they are. */
  function formFields(html: string, action: string): Record<string, string> {
    const re = new RegExp(`<form method="post" action="${action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^>]*>([\\s\\S]*?)</form>`);
    const form = re.exec(html);
    if (!form) throw new Error(`no form posting to ${action}`);
    const fields: Record<string, string> = {};
    for (const m of form[1].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = m[2];
    return fields;
  }

  function shownPassword(html: string): string {
    const m = /<code id="new-password">([^<]+)<\/code>/.exec(html);
    if (!m) throw new Error('no new password in the page');
    return m[1];
  }

  async function postTwice(action: string, fields: Record<string, string>, userId: string, email: string): Promise<void> {
    const first = await request(server()).post(action).set({ Cookie: admin.cookie, ...page }).type('form').send(fields);
    expect(first.status).toBe(200);
    const password = shownPassword(first.text);
    const hash = await hashOf(userId);

    // the reload: the very same post
    const again = await request(server()).post(action).set({ Cookie: admin.cookie, ...page }).type('form').send(fields);
    expect(await hashOf(userId)).toBe(hash);
    expect(again.status).toBe(409);
    expect(again.text).not.toContain('id="new-password"');
    expect(again.text).toContain(`Nothing changed: the password of ${email} was already replaced after this form was shown`);
    expect(again.text).toContain('The password shown then is still theirs');
    // the password the admin copied from the first answer still logs the user in
    const login = await loginViaForm(h.app, email, password);
    expect(login.status).toBe(303);
  }

  it('without JavaScript: the confirmation page\'s form, posted twice', async () => {
    const { user } = await createUser(h.app, { email: 'reset.twice.nojs@example.test' });
    const action = `/admin/users/${user.id}/password`;
    const list = await request(server()).get('/admin/users').set({ ...admin.headers, ...page }).expect(200);
    const ask = await request(server()).post(action).set({ Cookie: admin.cookie, ...page }).type('form').send(formFields(list.text, action));
    expect(ask.status).toBe(200);
    const confirm = formFields(ask.text, action);
    expect(confirm.confirmed).toBe('yes');
    await postTwice(action, confirm, user.id, user.email);
  });

  it('with JavaScript: the list\'s form sent with confirmed=yes, posted twice', async () => {
    const { user } = await createUser(h.app, { email: 'reset.twice.js@example.test' });
    const action = `/admin/users/${user.id}/password`;
    const list = await request(server()).get('/admin/users').set({ ...admin.headers, ...page }).expect(200);
    await postTwice(action, { ...formFields(list.text, action), confirmed: 'yes' }, user.id, user.email);
  });

  it('a fresh list after the reset gives a form that resets again', async () => {
    const { user } = await createUser(h.app, { email: 'reset.again@example.test' });
    const action = `/admin/users/${user.id}/password`;
    for (let i = 0; i < 2; i++) {
      const before = await hashOf(user.id);
      const list = await request(server()).get('/admin/users').set({ ...admin.headers, ...page }).expect(200);
      const done = await request(server()).post(action).set({ Cookie: admin.cookie, ...page }).type('form').send({ ...formFields(list.text, action), confirmed: 'yes' });
      expect(done.status).toBe(200);
      expect(await hashOf(user.id)).not.toBe(before);
    }
  });
});
