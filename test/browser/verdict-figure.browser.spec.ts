/**
 * The history detail's verdict ends "Calibrated confidence 99.8 %.": on a phone the line broke
 * between the figure and its per-cent sign ("… 99.8" / "%."), at 390 px among other widths. The
 * figure is kept whole now. Every width from 320 to 480 px is tried, since where a line breaks
 * depends on the words before it. Real models and a sample (../shared/samples, read at test time);
 * skipped without them or without Chromium.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, SAMPLES_DIR } from '../support/app';
import { HAVE_CHROMIUM, useSignedInPage } from './harness';

const SAMPLE = path.join(SAMPLES_DIR, 'brain-glioma-1.jpg');
const REAL = fs.existsSync(path.join(REPO_ROOT, 'models', 'brain_tumor', 'model_card.json')) && fs.existsSync(SAMPLE);
const ADMIN = { email: 'verdict-figure-admin@example.org', password: 'verdict-figure-password-1' };

(HAVE_CHROMIUM && REAL ? describe : describe.skip)('the history detail\'s confidence figure', () => {
  const h = useSignedInPage({ admin: ADMIN, env: { MODELS_DIR: path.join(REPO_ROOT, 'models') } });

  it('never breaks between the figure and its per-cent sign', async () => {
    const page = h.page;
    await page.setInputFiles('#file-input', SAMPLE);
    const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/v1/analyses')), page.click('#submit-btn')]);
    const body = (await res.json()) as { status: string; analysisId: string };
    expect(body.status).toBe('completed');
    await page.goto(`${h.base}/history/${body.analysisId}`);
    const split: number[] = [];
    for (let width = 320; width <= 480; width++) {
      await page.setViewportSize({ width, height: 844 });
      const lines = await page.evaluate(() => {
        // the last "NN.N %" of the verdict: the calibrated confidence
        const p = document.querySelector('.verdict-message')!;
        const walker = document.createTreeWalker(p, 4);
        let found: { node: Node; start: number; end: number } | null = null;
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          for (const m of n.textContent!.matchAll(/[<>]? ?\d+(\.\d+)? %/g)) found = { node: n, start: m.index, end: m.index + m[0].length };
        }
        if (!found) return -1;
        const range = document.createRange();
        range.setStart(found.node, found.start);
        range.setEnd(found.node, found.end);
        return new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top))).size;
      });
      expect(lines).toBeGreaterThan(0);
      if (lines > 1) split.push(width);
    }
    expect(split).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
