/**
 * Probability lists as drawn. On a 390 px phone the label column was 88 px and "Meningioma" is
 * 90 px (102 px bold, the top class): it ran under its bar. On the history detail of a record with
 * no probabilities (a file refused before any model ran), the "none recorded" sentence sat in that
 * label column alone, five lines of two words at 1280 px. Positions are Chromium's boxes.
 */
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'probability-lists-admin@example.org', password: 'probability-lists-password-1' };

interface Box { left: number; right: number; top: number; bottom: number; width: number }
interface Row { label: string; labelBox: Box; labelScroll: number; labelClient: number; barBox: Box }

/** Each row of the probability lists under `selector`: its label's box and overflow, its bar's box. */
async function rows(page: Page, selector: string): Promise<Row[]> {
  return page.evaluate((sel: string) => Array.from(document.querySelectorAll(`${sel} li`)).map((li) => {
    const label = li.querySelector('.prob-label')!;
    const bar = li.querySelector('.bar')!;
    const box = (e: Element) => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width }; };
    return { label: label.textContent, labelBox: box(label), labelScroll: label.scrollWidth, labelClient: label.clientWidth, barBox: box(bar) };
  }), selector);
}

(HAVE_CHROMIUM ? describe : describe.skip)('probability lists as drawn', () => {
  const h = useSignedInPage({ admin: ADMIN });

  it.each([1280, 390])('at %i px each class name fits its column, clear of its bar (the top one bold)', async (width) => {
    await h.page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    await h.page.goto(`${h.base}/`);
    // the server's answer with a brain diagnosis whose top class is the longest name (the fake models do not answer one)
    await h.page.route('**/api/v1/analyses', async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      Object.assign(body, { status: 'completed', stage: 'diagnosis', code: null, task: 'brain_tumor', label: 'meningioma', confidence: 0.993, probabilities: { meningioma: 0.993, glioma: 0.005, pituitary: 0.001, notumor: 0.001 } });
      await route.fulfill({ response: res, json: body });
    });
    const png = await sharp({ create: { width: 128, height: 128, channels: 3, background: '#808080' } }).png().toBuffer();
    await h.page.setInputFiles('#file-input', { name: 'grey.png', mimeType: 'image/png', buffer: png });
    await h.page.click('#submit-btn');
    await h.page.locator('#state-result').waitFor({ state: 'visible' });
    await h.page.unroute('**/api/v1/analyses');
    const got = await rows(h.page, '#probs');
    expect(got.map((r) => r.label)).toEqual(['Meningioma', 'Glioma', 'Pituitary', 'No tumour']);
    for (const r of got) {
      expect({ label: r.label, scroll: r.labelScroll }).toEqual({ label: r.label, scroll: r.labelClient });
      expect(r.labelBox.right).toBeLessThanOrEqual(r.barBox.left);
    }
    // one column for every row: the bars start at one x
    expect(new Set(got.map((r) => Math.round(r.barBox.left))).size).toBe(1);
    await h.page.setViewportSize({ width: 1280, height: 800 });
  });

  it('the history detail of a record without probabilities says so across the width, not in the label column', async () => {
    await h.page.goto(`${h.base}/`);
    // a text file: refused by the file checks before any model ran, recorded without probabilities
    const id = await h.page.evaluate(async () => {
      const fd = new window.FormData();
      fd.append('image', new window.Blob(['hello, not an image'], { type: 'text/plain' }), 'notes.txt');
      await window.fetch('/api/v1/analyses', { method: 'POST', body: fd });
      const list = await (await window.fetch('/api/v1/history?status=rejected')).json();
      return list.items[0].id as string;
    });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    for (const width of [1280, 390]) {
      await h.page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
      await h.page.goto(`${h.base}/history/${id}`);
      const none = await h.page.evaluate(() => {
        const li = document.querySelector('.probs li')!;
        const range = document.createRange();
        range.selectNodeContents(li);
        return { text: li.textContent, textWidth: range.getBoundingClientRect().width, listWidth: document.querySelector('.probs')!.getBoundingClientRect().width };
      });
      expect(none.text).toMatch(/none recorded/);
      // the sentence (about 370 px) on one line at 1280 px, over the list's width on a phone: not
      // squeezed into the names' column (140 px, then 45 % of the list)
      expect(none.textWidth).toBeGreaterThan(Math.min(300, 0.8 * none.listWidth));
    }
    await h.page.setViewportSize({ width: 1280, height: 800 });
  });
});
