/**
 * The history's pager on a phone: "Page 2 of 3 · 3 records" beside Previous and Next left the
 * buttons 60 px of a 316 px card, so Next fell under Previous (two rows, ragged). Now the links stay
 * side by side, on the status's row when they fit there and on their own row when not.
 * Three rejected text files at pageSize=1 make three pages; page 2 has both links.
 */
import type { Page } from 'playwright-core';
import { addRefusedRecords, HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'history-pager-admin@example.org', password: 'history-pager-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('the history pager', () => {
  const h = useSignedInPage({ admin: ADMIN });
  beforeAll(() => addRefusedRecords(h, 3, 'notes-')); // three records, each refused by the file checks

  it.each([1280, 390])('at %i px Previous and Next sit side by side, inside the card, clear of "page N of M"', async (width) => {
    await h.page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    await h.page.goto(`${h.base}/history?pageSize=1`);
    await Promise.all([h.page.waitForURL(/cursor=/), h.page.click('.pager a:text-is("Next")')]);
    const got = await h.page.evaluate(() => {
      const box = (e: Element) => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom }; };
      const pager = document.querySelector('.pager')!;
      const [status] = pager.children;
      const links = Array.from(pager.querySelectorAll('a')).map((a) => ({ text: a.textContent.trim(), ...box(a) }));
      return { status: status.textContent.trim(), statusBox: box(status), pager: box(pager), links };
    });
    expect(got.status).toBe('Page 2 of 3 · 3 records');
    const [prev, next] = got.links;
    expect([prev.text, next.text]).toEqual(['Previous', 'Next']);
    expect(next.top).toBe(prev.top); // one row
    expect(next.left).toBeGreaterThan(prev.right);
    for (const l of got.links) {
      expect(l.right).toBeLessThanOrEqual(got.pager.right + 0.5);
      // not over the status text: beside it (to its right) or below it
      expect(l.left >= got.statusBox.right || l.top >= got.statusBox.bottom).toBe(true);
    }
    await h.page.setViewportSize({ width: 1280, height: 800 });
  });
});
