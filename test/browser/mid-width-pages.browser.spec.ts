/**
 * Between the phone layout (≤ 600 px, tables as cards) and a wide screen, a table wider than its
 * box scrolls sideways in its .table-wrap, as meant — but the whole page did too: at 768 px the
 * history page was 1,033 px wide (at 640 px 1,028; at 1024 px 1,042). The visually hidden words
 * in the table's cells (position: absolute) had no positioned box inside the wrap, so the wrap did
 * not clip them and they stretched the document past the screen, the banner and header ending
 * mid-page. The wrap is now their containing block.
 */
import { addRefusedRecords, HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'mid-width-admin-with-a-long-address@example.org', password: 'mid-width-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('pages with tables between phone and desktop widths', () => {
  const h = useSignedInPage({ admin: ADMIN });

  beforeAll(async () => addRefusedRecords(h, 3, 'scan-'));

  it.each(['/history', '/admin/users'])('%s does not scroll sideways as a whole at 640, 768 and 1024 px', async (url) => {
    const page = h.page;
    const wide: string[] = [];
    for (const width of [640, 768, 1024]) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto(`${h.base}${url}`);
      const doc = await page.evaluate(() => document.documentElement.scrollWidth);
      if (doc > width) wide.push(`${url}@${width}: ${doc}px`);
    }
    expect(wide).toEqual([]);
  });
});
