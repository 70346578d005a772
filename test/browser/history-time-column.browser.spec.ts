/**
 * The history table at 1280 px: the Time cell ("4 Dec 2026, 18:33 UTC" under a "Time (UTC)"
 * header) wrapped to 4 lines on an admin's table (3 with these rows). It now says the time once without the zone the
 * header gives, the date and the time each whole: at most two lines. Three records refused by the
 * file checks (no model runs), as the pager's spec makes them.
 */
import { addRefusedRecords, HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'history-time-admin-with-a-long-address@example.org', password: 'history-time-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('the history table\'s Time column', () => {
  const h = useSignedInPage({ admin: ADMIN });
  beforeAll(() => addRefusedRecords(h, 3, 'a-rather-long-file-name-of-a-scan-')); // three records, each refused by the file checks

  it('at 1280 px each Time cell takes at most two lines and does not repeat "UTC"', async () => {
    const page = h.page;
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${h.base}/history`);
    const cells = await page.locator('td[data-label^="Time"]').evaluateAll((tds) =>
      tds.map((td) => {
        const range = document.createRange();
        range.selectNodeContents(td);
        const tops = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
        return { text: td.textContent ?? '', lines: tops.size };
      }),
    );
    expect(cells).toHaveLength(3);
    for (const c of cells) {
      expect(c.lines).toBeLessThanOrEqual(2); // 3 before, with this admin's User column
      expect(c.text).not.toContain('UTC');
    }
  });
});
