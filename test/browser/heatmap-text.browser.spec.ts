/**
 * The image page says what its heat map is, beside it: which class it is for, the method, and what
 * it is not. It was captioned "Heat map over the image", with "Heat map (Grad-CAM)" only in its alt
 * text — no class, nothing on what it is not (users read it as evidence). Fake models: a white image
 * is a brain MRI with glioma, with a heat map.
 */
import sharp from 'sharp';
import { HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'heatmap-text-admin@example.org', password: 'heatmap-text-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('the heat map on the image page says what it is', () => {
  const h = useSignedInPage({ admin: ADMIN });

  it('the class it is for, the method, not a segmentation, not for clinical use', async () => {
    const page = h.page;
    await page.goto(`${h.base}/`);
    const buffer = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#ffffff' } }).png().toBuffer();
    await page.setInputFiles('#file-input', { name: 'white.png', mimeType: 'image/png', buffer });
    await page.waitForFunction(() => document.getElementById('selected-name')?.textContent === 'white.png');
    await page.click('#submit-btn');
    await page.locator('#result-heatmap').waitFor({ state: 'visible' });
    await expect(page.locator('#verdict-label').textContent()).resolves.toBe('Glioma');
    await expect(page.locator('#heatmap-figure figcaption').textContent()).resolves.toContain('Heat map for Glioma');
    await expect(page.locator('#result-heatmap').getAttribute('alt')).resolves.toMatch(/class activation map \(CAM\) for Glioma/i);
    const note = page.locator('#viewer-slot .heatmap-note');
    await expect(note.isVisible()).resolves.toBe(true);
    await expect(note.textContent()).resolves.toMatch(/class activation map \(CAM.*not a segmentation.*not for clinical use/i);
    await expect(page.locator('#viewer-slot .legend').textContent()).resolves.toMatch(/Less\s*More influence on the answer/);
    await expect(page.locator('#no-focus-note').count()).resolves.toBe(0);
    // the legend's ends stand out from the card (WCAG 1.4.11, 3:1): its yellow "most" end was
    // 1.2:1 on white, its purple "least" end 1.3:1 on the dark card, so the scale faded into the page
    const edges = (): Promise<number[]> =>
      page.evaluate(() => {
        const rgb = (s: string): number[] => (s.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
        const lum = (c: number[]): number => {
          const [r, g, b] = c.map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
          return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const ratio = (a: number[], b: number[]): number => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
        const bar = document.querySelector('#viewer-slot .legend-bar')!;
        let box: Element | null = bar.parentElement;
        while (box && /rgba\(0, 0, 0, 0\)|transparent/.test(window.getComputedStyle(box).backgroundColor)) box = box.parentElement;
        const card = rgb(window.getComputedStyle(box ?? document.body).backgroundColor);
        const style = window.getComputedStyle(bar);
        // the edge a user sees: the bar's border where it has one, else its first and last colours
        if (parseFloat(style.borderLeftWidth) >= 1 && parseFloat(style.borderRightWidth) >= 1) return [ratio(rgb(style.borderLeftColor), card), ratio(rgb(style.borderRightColor), card)];
        const stops = style.backgroundImage.match(/rgba?\([^)]*\)/g) ?? [];
        return [ratio(rgb(stops[0] ?? ''), card), ratio(rgb(stops[stops.length - 1] ?? ''), card)];
      });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const got = await edges();
      expect({ scheme, under3: got.filter((r) => r < 3).map((r) => Math.round(r * 100) / 100) }).toEqual({ scheme, under3: [] });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('an answer whose map has no region standing out (focus none): no heat map, and the page says so', async () => {
    const page = h.page;
    // the server's own answer, as a flat map would give it (the fakes' maps of a white image have a spot)
    await page.route('**/api/v1/analyses', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { explanation: { focus: string } | null };
      if (body.explanation) body.explanation.focus = 'none';
      await route.fulfill({ response: res, body: JSON.stringify(body) });
    });
    try {
      await page.goto(`${h.base}/`);
      const buffer = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#ffffff' } }).png().toBuffer();
      await page.setInputFiles('#file-input', { name: 'flat.png', mimeType: 'image/png', buffer });
      await page.waitForFunction(() => document.getElementById('selected-name')?.textContent === 'flat.png');
      await page.click('#submit-btn');
      await page.locator('#no-focus-note').waitFor({ state: 'visible' });
      await expect(page.locator('#verdict-label').textContent()).resolves.toBe('Glioma');
      await expect(page.locator('#no-focus-note').textContent()).resolves.toMatch(/^No region stands out for this answer/);
      await expect(page.locator('#result-heatmap').count()).resolves.toBe(0);
      await expect(page.locator('#viewer-slot').textContent()).resolves.not.toMatch(/Heat map for/);
      await expect(page.locator('#result-original').isVisible()).resolves.toBe(true);
    } finally {
      await page.unroute('**/api/v1/analyses');
    }
  });
});
