/**
 * The confidence bar on the analysis page, with CONFIDENCE_THRESHOLD=0.4 and the fake models: the
 * mark and the sentence name the threshold that decided (they said the card's 60 %), and the bar's
 * colour follows the answer (it compared the confidence with that 60 % in the browser: an answer
 * at 50 % was drawn as below the threshold).
 */
import sharp from 'sharp';
import { analyseFromPageAnswer, HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'threshold-admin@example.org', password: 'threshold-test-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('the confidence bar at CONFIDENCE_THRESHOLD=0.4', () => {
  const h = useSignedInPage({ admin: ADMIN, env: { CONFIDENCE_THRESHOLD: '0.4', } });

  it('shows the 40 % threshold and an answer at ~50 % as above it', async () => {
    // light grey: the fake brain model's glioma at ~50 % (answered at 40 %)
    const bytes = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 250, g: 250, b: 250 } } }).png().toBuffer();
    const r = await analyseFromPageAnswer<{ analysisId: string; status: string; confidence: number }>(h.page, bytes, { name: 'grey.png' });
    expect(r.status).toBe('completed');
    expect(r.confidence).toBeLessThan(0.6);
    await expect(h.page.locator('#confidence-bar').getAttribute('class')).resolves.toBe('above');
    await expect(h.page.locator('#confidence-explain').textContent()).resolves.toContain('below the 40.0 % threshold');
    await expect(h.page.locator('#threshold-mark').evaluate((e: HTMLElement) => e.style.left)).resolves.toBe('40%');
  });
});
