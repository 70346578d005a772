/**
 * The account forms driven from the keyboard alone, in Chromium: a refused submission puts the
 * focus on the field at fault, marks it aria-invalid and ties the error to it (aria-describedby),
 * so a screen-reader user hears which field and why instead of landing at the top of the page.
 * And a user forced to /account at first login gets a way on to the page they asked for.
 */
import type { Page } from 'playwright-core';
import { createUser } from '../helpers/auth';
import { HAVE_CHROMIUM, signIn, useSignedInPage } from './harness';

const ADMIN = { email: 'kb-admin@example.org', password: 'kb-admin-password-1' };

interface Focused {
  name: string | null;
  invalid: string | null;
  describedBy: string[];
  errorIds: string[];
  errorText: string;
}

/**
 * The focused element, its aria state, and the page's alert (its id and text). Waits first for
 * the focus to leave <body>: the browser applies `autofocus` at its next rendering step, after
 * the new page's load event, so reading at once raced it on a busy machine (CI saw <body>).
 * A page that never focuses a field still fails, on the name check below.
 */
async function focused(page: Page): Promise<Focused> {
  await page
    .waitForFunction(() => document.activeElement !== null && document.activeElement !== document.body, undefined, { timeout: 5000 })
    .catch(() => undefined);
  return page.evaluate(() => {
    const e = document.activeElement;
    const alert = document.querySelector('[role=alert]');
    return {
      name: e?.getAttribute('name') ?? null,
      invalid: e?.getAttribute('aria-invalid') ?? null,
      describedBy: (e?.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean),
      errorIds: alert?.id ? [alert.id] : [],
      errorText: alert?.textContent ?? '',
    };
  });
}

/** Tab from the top of the page to the field named `name` (keyboard only; fails after 30 stops). */
async function tabTo(page: Page, name: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.getAttribute('name'))) === name) return;
  }
  throw new Error(`Tab never reached ${name}`);
}

(HAVE_CHROMIUM ? describe : describe.skip)('account forms from the keyboard, in Chromium', () => {
  const h = useSignedInPage({ admin: ADMIN, signIn: false });

  it('/account: each refusal focuses its field, marked invalid and described by the error', async () => {
    const { user } = await createUser(h.app, { password: 'admin-typed-pw-1', mustChangePassword: true });
    const { page, base } = h;
    await page.goto(`${base}/login?next=%2Fhistory`);
    await page.fill('input[name="email"]', user.email);
    await page.fill('input[name="password"]', 'admin-typed-pw-1');
    await Promise.all([page.waitForURL(/\/account/), page.keyboard.press('Enter')]);

    const submit = async (current: string, next: string, confirm: string): Promise<Focused> => {
      await tabTo(page, 'current');
      await page.keyboard.type(current);
      await page.keyboard.press('Tab');
      await page.keyboard.type(next);
      await page.keyboard.press('Tab');
      await page.keyboard.type(confirm);
      await Promise.all([page.waitForLoadState('load'), page.waitForEvent('framenavigated'), page.keyboard.press('Enter')]);
      return focused(page);
    };

    const wrong = await submit('not-my-password-9', 'chosen by me 77', 'chosen by me 77');
    expect(wrong.errorText).toContain('current password is not correct');
    expect(wrong).toMatchObject({ name: 'current', invalid: 'true' });
    expect(wrong.describedBy).toEqual(expect.arrayContaining(wrong.errorIds));
    expect(wrong.errorIds).toHaveLength(1);

    const mismatch = await submit('admin-typed-pw-1', 'chosen by me 77', 'chosen by me 78');
    expect(mismatch.errorText).toContain('differ');
    expect(mismatch).toMatchObject({ name: 'confirm', invalid: 'true' });
    expect(mismatch.describedBy).toEqual(expect.arrayContaining(mismatch.errorIds));

    const same = await submit('admin-typed-pw-1', 'admin-typed-pw-1', 'admin-typed-pw-1');
    expect(same.errorText).toContain('must differ');
    expect(same).toMatchObject({ name: 'password', invalid: 'true' });
    // the rules stay read out with the error
    expect(same.describedBy).toEqual(expect.arrayContaining([...same.errorIds, 'password-rules']));

    // the other fields are not marked
    expect(await page.locator('[aria-invalid="true"]').count()).toBe(1);
  });

  it('a forced change at first login links on to the page the login was headed for', async () => {
    const { user } = await createUser(h.app, { password: 'admin-typed-pw-2', mustChangePassword: true });
    const { page, base } = h;
    await page.context().clearCookies();
    await page.goto(`${base}/history`);
    expect(page.url()).toBe(`${base}/login?next=%2Fhistory`);
    await page.fill('input[name="email"]', user.email);
    await page.fill('input[name="password"]', 'admin-typed-pw-2');
    await Promise.all([page.waitForURL(/\/account/), page.keyboard.press('Enter')]);
    await page.fill('input[name="current"]', 'admin-typed-pw-2');
    await page.fill('input[name="password"]', 'chosen by me 88');
    await page.fill('input[name="confirm"]', 'chosen by me 88');
    await Promise.all([page.waitForURL(/done=password/), page.keyboard.press('Enter')]);
    expect(await page.locator('.notice[role=status]').first().textContent()).toContain('Password changed');
    const onward = page.locator('a#continue');
    expect(await onward.getAttribute('href')).toBe('/history');
    await Promise.all([page.waitForURL(`${base}/history`), onward.click()]);
  });

  it('/admin/users "New user": a refused password focuses the password field, the email stays', async () => {
    const { page, base } = h;
    await page.context().clearCookies();
    await signIn(h, ADMIN.email, ADMIN.password);
    await page.goto(`${base}/admin/users`);
    await tabTo(page, 'email');
    await page.keyboard.type('new-kb@example.org');
    await page.keyboard.press('Tab');
    await page.keyboard.type('password123');
    await Promise.all([page.waitForEvent('framenavigated'), page.keyboard.press('Enter')]);
    await page.waitForLoadState('load');
    const f = await focused(page);
    expect(f.errorText).toContain('common');
    expect(f).toMatchObject({ name: 'password', invalid: 'true' });
    expect(f.describedBy).toEqual(expect.arrayContaining(f.errorIds));
    expect(await page.inputValue('form[action="/admin/users"] input[name="email"]')).toBe('new-kb@example.org');

    // a duplicate email points at the email field
    await tabTo(page, 'password');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(ADMIN.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type('a fine temp pass 31');
    await Promise.all([page.waitForEvent('framenavigated'), page.keyboard.press('Enter')]);
    await page.waitForLoadState('load');
    const dup = await focused(page);
    expect(dup.errorText).toContain('already exists');
    expect(dup).toMatchObject({ name: 'email', invalid: 'true' });
    expect(dup.describedBy).toEqual(expect.arrayContaining(dup.errorIds));
  });
});
