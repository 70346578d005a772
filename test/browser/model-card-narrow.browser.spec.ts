/**
 * The model card's test-figures, per-class and training-sources tables on a phone. At 390 and 320 px
 * a figure broke mid-number ("99. / 7 %"), a header mid-word ("PRECISI / ON") and a source's image
 * count ("2 / 1"): `overflow-wrap: anywhere` below 900 px let the browser squeeze a column below its
 * longest word or figure. Checked here at 320, 390, 1024 and 1280 px on the committed cards (models/):
 * no cell of these tables draws a figure (with its sign: "< 0.1 %", "≥ 60.0 %", "1,246") or a word
 * over more than one line, and the page never scrolls sideways from 320 to 1280 px. (The held-out
 * table is not checked: below 900 px it still breaks anywhere.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../support/app';
import { HAVE_CHROMIUM, useSignedInPage } from './harness';

const REAL = fs.existsSync(path.join(REPO_ROOT, 'models', 'brain_tumor', 'model_card.json'));
const ADMIN = { email: 'card-narrow-admin@example.org', password: 'card-narrow-password-1' };
const TABLES = '#mc-figures ~ .table-wrap table, #mc-data ~ .table-wrap table';

/**
 * The figures and words of the two tables' cells that the browser drew over more than one line,
 * each with the table's caption. A figure is a number with its sign and per-cent sign; a word
 * runs between spaces (a hyphen is a place to break, "out-of-distribution", as a space is, and so
 * are the "_" and "/" of a source's name: "spine_lumbar_axial_myosegmentum").
 */
function splitInCells(page: Page): Promise<string[]> {
  return page.evaluate((tables: string) => {
    const out: string[] = [];
    const lines = (node: Node, start: number, end: number): number => {
      const range = document.createRange();
      range.setStart(node, start);
      range.setEnd(node, end);
      return new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
    };
    const found = Array.from(document.querySelectorAll(tables));
    if (found.length !== 3) out.push(`${found.length} tables, not 3`);
    for (const table of found) {
      const name = table.querySelector('caption')?.textContent ?? '?';
      // nothing lets the browser break a word anywhere, even where it would fit whole at this width
      for (const el of Array.from(table.querySelectorAll('th, td, span'))) {
        const style = window.getComputedStyle(el);
        if (style.overflowWrap === 'anywhere' || style.wordBreak === 'break-all') out.push(`${name}: ${el.tagName.toLowerCase()} breaks anywhere`);
      }
      for (const cell of Array.from(table.querySelectorAll('th, td'))) {
        const head = cell.closest('thead');
        if (head && head.getBoundingClientRect().width <= 1) continue; // a stacked table's header row, visually hidden
        const walker = document.createTreeWalker(cell, 4 /* NodeFilter.SHOW_TEXT */);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const text = node.textContent as string;
          for (const m of text.matchAll(/(?:[<>≥≤] )?\d[\d,.]*(?:[\s\u00a0\u202f]%)?|[^\s\u00a0\u202f_/-]+/g)) {
            if (lines(node, m.index, m.index + m[0].length) > 1) out.push(`${name}: "${m[0]}"`);
          }
        }
      }
    }
    return out;
  }, TABLES);
}

(HAVE_CHROMIUM && REAL ? describe : describe.skip)('model card tables on a narrow screen', () => {
  const h = useSignedInPage({ admin: ADMIN, env: { MODELS_DIR: path.join(REPO_ROOT, 'models') } });

  it.each(['triage', 'brain_tumor'])('%s: no figure or word of the test-figures, per-class and sources tables split over two lines at 320, 390, 1024 and 1280 px', async (name) => {
    const page = h.page;
    await page.goto(`${h.base}/models/${name}`);
    const split: { width: number; split: string[] }[] = [];
    for (const width of [320, 390, 1024, 1280]) {
      await page.setViewportSize({ width, height: 844 });
      split.push({ width, split: await splitInCells(page) });
    }
    expect(split).toEqual([320, 390, 1024, 1280].map((width) => ({ width, split: [] })));
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it.each(['triage', 'brain_tumor'])('%s: the page never scrolls sideways from 320 to 1280 px', async (name) => {
    const page = h.page;
    await page.goto(`${h.base}/models/${name}`);
    const wide: string[] = [];
    for (let width = 320; width <= 1280; width += width < 640 ? 10 : 40) {
      await page.setViewportSize({ width, height: 844 });
      const problems = await page.evaluate(() => {
        const de = document.documentElement;
        const out: string[] = [];
        if (de.scrollWidth > de.clientWidth) out.push(`document ${de.scrollWidth}px in ${de.clientWidth}px`);
        for (const el of Array.from(document.querySelectorAll('.table-wrap'))) if (el.scrollWidth > el.clientWidth + 1) out.push(`${el.getAttribute('aria-label')} scrolls (${el.scrollWidth}px in ${el.clientWidth}px)`);
        return out;
      });
      for (const p of problems) wide.push(`${width}: ${p}`);
    }
    expect(wide).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
