/**
 * The admin users page in Chromium with JavaScript off: disabling a user, enabling one again and
 * "New password" took effect on the first click (the confirm dialog is public/js/admin-users.js,
 * which never ran). Each now goes through a confirmation page naming the user and the action:
 * Cancel goes back with nothing changed, Confirm acts. With JavaScript on, the dialog is the one
 * question: accepted, the change is made without the confirmation page (no second question).
 */
import type { AddressInfo } from 'node:net';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { UsersService } from '../../src/accounts/users.service';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { axeAll } from './a11y-checks';
import { HAVE_CHROMIUM, launchBrowser, phoneProblems } from './harness';

const ADMIN = { email: 'nojs-confirm-admin@example.org', password: 'nojs-confirm-admin-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('admin users page: confirmation without JavaScript, one question with it (Chromium)', () => {
  let app: NestExpressApplication;
  let base: string;
  let browser: Browser;
  let contexts: BrowserContext[] = [];

  async function loggedIn(javaScriptEnabled: boolean): Promise<Page> {
    const context = await browser.newContext({ javaScriptEnabled });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.fill('input[name="email"]', ADMIN.email);
    await page.fill('input[name="password"]', ADMIN.password);
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type="submit"]')]);
    return page;
  }

  const users = () => app.get(UsersService);
  const isDisabled = async (id: string) => (await users().findById(id))?.disabled;
  const row = (page: Page, email: string) => page.locator('tr', { hasText: email });

  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR }));
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    await users().create({ ...ADMIN, role: 'admin', mustChangePassword: false });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    contexts = [];
    await browser?.close();
    await app?.close();
  });

  it('JavaScript off: disable → confirmation page → Cancel leaves them active; → Confirm disables; enabling asks too', async () => {
    const target = await users().create({ email: 'nojs-target@example.org', password: 'nojs-target-password-1', role: 'user', mustChangePassword: false });
    const page = await loggedIn(false);
    const dialogs: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    await page.goto(`${base}/admin/users`);

    await row(page, target.email).locator('select[name="disabled"]').selectOption('true');
    await Promise.all([page.waitForURL(`${base}/admin/users/${target.id}`), row(page, target.email).getByRole('button', { name: /^Save/ }).click()]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Disable nojs-target@example.org?');
    await expect(page.locator('.research-banner').textContent()).resolves.toContain('not for clinical use');
    expect(await isDisabled(target.id)).toBe(false);
    await Promise.all([page.waitForURL(`${base}/admin/users`), page.getByRole('link', { name: 'Cancel' }).click()]);
    await expect(row(page, target.email).locator('.badge').textContent()).resolves.toBe('active');
    expect(await isDisabled(target.id)).toBe(false);

    await row(page, target.email).locator('select[name="disabled"]').selectOption('true');
    await Promise.all([page.waitForURL(`${base}/admin/users/${target.id}`), row(page, target.email).getByRole('button', { name: /^Save/ }).click()]);
    // Cancel has the focus (a second Enter, the slip itself, does not act); Shift+Tab reaches Confirm
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Cancel');
    await page.keyboard.press('Shift+Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Disable nojs-target@example.org');
    await Promise.all([page.waitForURL(/\/admin\/users\?done=updated/), page.keyboard.press('Enter')]);
    await expect(page.locator('#form-done').textContent()).resolves.toContain('Updated nojs-target@example.org: user, disabled.');
    await expect(row(page, target.email).locator('.badge').textContent()).resolves.toBe('disabled');
    expect(await isDisabled(target.id)).toBe(true);

    await row(page, target.email).locator('select[name="disabled"]').selectOption('false');
    await Promise.all([page.waitForURL(`${base}/admin/users/${target.id}`), row(page, target.email).getByRole('button', { name: /^Save/ }).click()]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Enable nojs-target@example.org?');
    expect(await isDisabled(target.id)).toBe(true);
    await Promise.all([page.waitForURL(/\/admin\/users\?done=updated/), page.getByRole('button', { name: 'Enable nojs-target@example.org' }).click()]);
    await expect(row(page, target.email).locator('.badge').textContent()).resolves.toBe('active');
    expect(dialogs).toEqual([]);
  });

  it('JavaScript off: "New password" → confirmation page → Cancel keeps the password; → Confirm shows the new one once', async () => {
    const target = await users().create({ email: 'nojs-reset.a-rather-long-mailbox-name-for-a-phone-screen@example.org', password: 'nojs-reset-password-1', role: 'user', mustChangePassword: false });
    const page = await loggedIn(false);
    await page.goto(`${base}/admin/users`);
    await Promise.all([page.waitForURL(`${base}/admin/users/${target.id}/password`), row(page, target.email).getByRole('button', { name: /New password/ }).click()]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Give nojs-reset.a-rather-long-mailbox-name-for-a-phone-screen@example.org a new password?');
    await expect(page.locator('#new-password').count()).resolves.toBe(0);
    // the long email wraps in the question and the button: nothing wider than a phone, banner in view
    expect(await phoneProblems(page, 'admin-users-confirm-nojs')).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
    await Promise.all([page.waitForURL(`${base}/admin/users`), page.getByRole('link', { name: 'Cancel' }).click()]);
    expect(await users().verifyCredentials(target.email, 'nojs-reset-password-1')).toBeTruthy();

    await Promise.all([page.waitForURL(`${base}/admin/users/${target.id}/password`), row(page, target.email).getByRole('button', { name: /New password/ }).click()]);
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Give nojs-reset.a-rather-long-mailbox-name-for-a-phone-screen@example.org a new password' }).click()]);
    await page.locator('#new-password').waitFor({ state: 'visible' });
    expect(await users().verifyCredentials(target.email, 'nojs-reset-password-1')).toBeFalsy();
    // the reload the admin may make (the browser resends the post): the password copied stays theirs
    const shown = (await page.locator('#new-password').textContent()) ?? '';
    expect(await users().verifyCredentials(target.email, shown)).toBeTruthy();
    const reload = await page.reload();
    expect(reload?.status()).toBe(409);
    await expect(page.locator('#new-password').count()).resolves.toBe(0);
    await expect(page.locator('#form-error').textContent()).resolves.toContain('Nothing changed: the password of nojs-reset.a-rather-long-mailbox-name-for-a-phone-screen@example.org was already replaced');
    expect(await users().verifyCredentials(target.email, shown)).toBeTruthy();
  });

  it('JavaScript on: one dialog per change, no confirmation page after it (enable asks too); a submit the script never saw gets the page', async () => {
    const target = await users().create({ email: 'dialog-target@example.org', password: 'dialog-target-password-1', role: 'user', mustChangePassword: false });
    const page = await loggedIn(true);
    const dialogs: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.accept(); });
    // one post per change: a confirmation page in between would take a second one (and stop the flow)
    const posts: string[] = [];
    page.on('request', (r) => { if (r.method() === 'POST' && new URL(r.url()).pathname.startsWith('/admin/users/')) posts.push(new URL(r.url()).pathname.replace(target.id, 'ID')); });
    await page.goto(`${base}/admin/users`);

    // a submit that skips the script (form.submit() fires no submit event): no dialog, so the server asks
    await row(page, target.email).locator('select[name="disabled"]').selectOption('true');
    await Promise.all([page.waitForURL(`${base}/admin/users/${target.id}`), row(page, target.email).locator('form').first().evaluate((f: HTMLFormElement) => f.submit())]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Disable dialog-target@example.org?');
    expect(await axeAll(page, 'admin users, confirm disable')).toEqual([]);
    await Promise.all([page.waitForURL(`${base}/admin/users`), page.getByRole('link', { name: 'Cancel' }).click()]);
    expect([dialogs, await isDisabled(target.id)]).toEqual([[], false]);
    posts.length = 0;

    await row(page, target.email).locator('select[name="disabled"]').selectOption('true');
    await Promise.all([page.waitForURL(/done=updated/), row(page, target.email).getByRole('button', { name: /^Save/ }).click()]);
    expect(await isDisabled(target.id)).toBe(true);
    await row(page, target.email).locator('select[name="disabled"]').selectOption('false');
    await Promise.all([page.waitForURL(/done=updated/), row(page, target.email).getByRole('button', { name: /^Save/ }).click()]);
    expect(await isDisabled(target.id)).toBe(false);
    await Promise.all([page.waitForLoadState('load'), row(page, target.email).getByRole('button', { name: /New password/ }).click()]);
    await page.locator('#new-password').waitFor({ state: 'visible' });
    // making them admin asks (it opens everyone's history to them); demoting them again does not
    await row(page, target.email).locator('select[name="role"]').selectOption('admin');
    await Promise.all([page.waitForURL(/done=updated/), row(page, target.email).getByRole('button', { name: /^Save/ }).click()]);
    await row(page, target.email).locator('select[name="role"]').selectOption('user');
    await Promise.all([page.waitForURL(/done=updated/), row(page, target.email).getByRole('button', { name: /^Save/ }).click()]);
    expect(dialogs.map((m) => m.split('?')[0])).toEqual(['Disable dialog-target@example.org', 'Enable dialog-target@example.org', 'Give dialog-target@example.org a new password', 'Make dialog-target@example.org an admin']);
    expect(posts).toEqual(['/admin/users/ID', '/admin/users/ID', '/admin/users/ID/password', '/admin/users/ID', '/admin/users/ID']);
    await expect(page.locator('.confirm-form').count()).resolves.toBe(0);
  });
});
