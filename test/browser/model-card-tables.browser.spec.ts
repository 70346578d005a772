/**
 * The committed model cards' tables read whole words on a wide screen and still fit a narrow one.
 * With `overflow-wrap: anywhere` on every cell, the table squeezed a column below its longest
 * word at 1280 px: the "Images" heading read "IMAGE / S" and source names split mid-word
 * ("brain_brainlesion_tutorial / s"), because the licence column took the room. Real cards
 * (models/, committed); the fake test cards' sources are too short to show it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../support/app';
import { HAVE_CHROMIUM, useSignedInPage } from './harness';

const REAL = fs.existsSync(path.join(REPO_ROOT, 'models', 'brain_tumor', 'model_card.json'));
const ADMIN = { email: 'card-tables-admin@example.org', password: 'card-tables-password-1' };

/** Words of the cards' table cells that the browser drew over more than one line. */
function splitWords(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const cell of Array.from(document.querySelectorAll('.table.compact th, .table.compact td'))) {
      const walker = document.createTreeWalker(cell, 4 /* NodeFilter.SHOW_TEXT */);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        // a hyphen is a place to break ("tumour-free"), as a space is
        for (const m of (node.textContent as string).matchAll(/[^\s-]+/g)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, (m.index ?? 0) + m[0].length);
          const tops = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
          if (tops.size > 1) out.push(m[0]);
        }
      }
    }
    return out;
  });
}

(HAVE_CHROMIUM && REAL ? describe : describe.skip)('model card tables', () => {
  const h = useSignedInPage({ admin: ADMIN, env: { MODELS_DIR: path.join(REPO_ROOT, 'models') } });

  it.each(['brain_tumor', 'triage'])('%s: whole words at 1280 and 1024 px; no table scrolls sideways at any width', async (name) => {
    const page = h.page;
    await page.goto(`${h.base}/models/${name}`);
    for (const width of [1280, 1024]) {
      await page.setViewportSize({ width, height: 800 });
      expect({ width, split: await splitWords(page) }).toEqual({ width, split: [] });
    }
    for (const width of [1280, 1024, 900, 800, 700, 600, 390]) {
      await page.setViewportSize({ width, height: 800 });
      const sideways = await page.evaluate(() => Array.from(document.querySelectorAll('.table-wrap')).filter((e) => e.scrollWidth > e.clientWidth + 1).length);
      expect({ width, sideways }).toEqual({ width, sideways: 0 });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
