/**
 * The analysis page at 320 px with an image chosen: its name was cut to one line with an ellipsis
 * beside the thumbnail and Clear, leaving "brai…" of "brain-glioma-1.jpg" — every sample begins with
 * "brain-", so the user could not tell which image they were about to analyse. The name now wraps
 * (at most three lines; a longer one ends with an ellipsis and its whole text in the title).
 */
import { HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'selected-name-admin@example.org', password: 'selected-name-password-1' };
// a 1×1 PNG is enough: the name and size are shown on choosing, before any check
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

(HAVE_CHROMIUM ? describe : describe.skip)('the chosen image\'s name on a narrow screen', () => {
  const h = useSignedInPage({ admin: ADMIN });

  it.each([320, 390])('at %i px the whole name "brain-glioma-1.jpg" is shown', async (width) => {
    const page = h.page;
    await page.setViewportSize({ width, height: 800 });
    await page.goto(`${h.base}/`);
    await page.setInputFiles('#file-input', { name: 'brain-glioma-1.jpg', mimeType: 'image/png', buffer: PNG });
    const name = page.locator('#selected-name');
    await name.waitFor({ state: 'visible' });
    expect(await name.textContent()).toBe('brain-glioma-1.jpg');
    const box = await name.evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth, sh: el.scrollHeight, ch: el.clientHeight }));
    expect(box.sw).toBeLessThanOrEqual(box.cw); // nothing cut at the side
    expect(box.sh).toBeLessThanOrEqual(box.ch); // nor below
  });

  it('a name too long for three lines ends in an ellipsis and is whole in its title', async () => {
    const page = h.page;
    await page.setViewportSize({ width: 320, height: 800 });
    await page.goto(`${h.base}/`);
    const long = `${'a-very-long-scan-name-'.repeat(8)}.png`;
    await page.setInputFiles('#file-input', { name: long, mimeType: 'image/png', buffer: PNG });
    const name = page.locator('#selected-name');
    await name.waitFor({ state: 'visible' });
    expect(await name.getAttribute('title')).toBe(long);
    const lines = await name.evaluate((el) => Math.round(el.clientHeight / parseFloat(getComputedStyle(el).lineHeight)));
    expect(lines).toBeLessThanOrEqual(3);
  });
});
