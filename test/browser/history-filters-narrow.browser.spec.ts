/**
 * The history's filter row on a phone: at 375 px the Filter button was squeezed to 41 px beside
 * the Label select (below 520 px a primary button is `flex: 1`, a zero basis, so it shrank
 * under its own word) and read "Filte" — the "r" cut off by the button's edge. Each button and
 * link of the row must show its whole label, at every common phone width, for an admin (with the
 * User box) and for a user (without it).
 */
import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'history-filters-admin@example.org', password: 'history-filters-password-1' };

async function clippedControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('.filters button, .filters a.btn'))
      .filter((b) => b.scrollWidth > b.clientWidth)
      .map((b) => `"${b.textContent.trim()}" needs ${b.scrollWidth}px, has ${b.clientWidth}px`),
  );
}

(HAVE_CHROMIUM ? describe : describe.skip)('the history filters on a phone', () => {
  const h = useSignedInPage({ admin: ADMIN });

  it.each([320, 360, 375, 390, 414, 480])('at %i px every filter button shows its whole label', async (width) => {
    await h.page.setViewportSize({ width, height: 800 });
    await h.page.goto(`${h.base}/history`);
    expect(await clippedControls(h.page)).toEqual([]);
    await h.page.setViewportSize({ width: 1280, height: 800 });
  });
});
