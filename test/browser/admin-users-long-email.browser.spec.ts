/**
 * The admin users table with an address of the longest length accepted (254 characters, no space
 * or hyphen to break at): its cell was allowed to wrap only below 1200 px, so on a desktop the
 * address pushed the table out of its card (the card scrolled sideways). It now wraps at every
 * width (capped at 18rem in the table layout, so the other columns keep their room), and an
 * address that fits still stays on one line.
 */
import { createUser } from '../helpers/auth';
import { HAVE_CHROMIUM, signIn, useSignedInPage } from './harness';

const ADMIN = { email: 'longmailadmin@example.org', password: 'long-email-password-1' };
// 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254: the longest address isValidEmail takes (accounts/email.ts)
const LONG = `${'l'.repeat(64)}@${'h'.repeat(63)}.${'o'.repeat(63)}.${'s'.repeat(61)}`;

(HAVE_CHROMIUM ? describe : describe.skip)('admin users table: a 254-character address', () => {
  const h = useSignedInPage({ admin: ADMIN, signIn: false });
  beforeAll(async () => {
    expect(LONG).toHaveLength(254);
    await createUser(h.app, { email: LONG });
    await signIn(h, ADMIN.email, ADMIN.password);
  });

  it.each([1280, 1600, 1920, 900])('wraps inside its cell at %i px; the table stays within its card; on a desktop a short address keeps one line', async (width) => {
    await h.page.setViewportSize({ width, height: 900 });
    await h.page.goto(`${h.base}/admin/users`);
    const m = await h.page.evaluate((long: string) => {
      const wrap = document.querySelector('.users-table')!.closest('.table-wrap')!;
      const cells = [...document.querySelectorAll('.users-table td.user-email')];
      const lines = (td: Element) => {
        const r = document.createRange();
        r.selectNodeContents(td);
        return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size;
      };
      const longCell = cells.find((td) => td.textContent.trim() === long)!;
      const shortCell = cells.find((td) => td.textContent.trim() !== long)!;
      return {
        sideways: wrap.scrollWidth - wrap.clientWidth,
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        longLines: lines(longCell),
        shortLines: lines(shortCell),
        longInside: longCell.scrollWidth <= longCell.clientWidth + 1,
        saveBesideStatus: (() => {
          const row = longCell.closest('tr')!;
          const status = row.querySelector('select[name="disabled"]')!.getBoundingClientRect();
          const save = row.querySelector('.user-actions button[type="submit"]')!.getBoundingClientRect();
          return Math.abs(status.top - save.top) < status.height;
        })(),
      };
    }, LONG);
    expect({ width, sideways: m.sideways <= 1, page: m.page <= 1, longInside: m.longInside }).toEqual({ width, sideways: true, page: true, longInside: true });
    expect(m.longLines).toBeGreaterThan(1);
    // on a desktop an ordinary address is not broken (at 900 px the columns are tight for everyone)
    if (width >= 1280) expect(m.shortLines).toBe(1);
    // the Change column keeps its controls side by side on a desktop: the long address does not take all the width
    if (width >= 1280) expect(m.saveBesideStatus).toBe(true);
  });
});
