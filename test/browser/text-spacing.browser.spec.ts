/**
 * WCAG 1.4.12 text spacing at the 320 px of 1.4.10 reflow (1280 px at 400 %): with line height 1.5,
 * letters 0.12 em, words 0.16 em and paragraphs 2 em apart — as a reader's own style sheet sets them
 * — no page scrolls sideways and no text is cut by its box. The trained models' cards name sources
 * such as "brain_meningioma_mida", one word of 21 letters that the wider spacing pushed 3 px past a
 * 320 px screen, so the whole model card page scrolled sideways; a record's details (history page)
 * gave their names' column its longest name whole, which left "> 99.9 %" 44 px and pushed that page
 * 2 px sideways.
 */
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { REPO_ROOT } from '../support/app';
import { analyseFromPage, HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'spacing-admin@example.org', password: 'spacing-admin-password-1' };
const SPACING = '* { line-height: 1.5 !important; letter-spacing: .12em !important; word-spacing: .16em !important; } p { margin-bottom: 2em !important; }';

/** The spacing applied (through the CSSOM: the page's CSP refuses an injected <style>), then what scrolls sideways or is cut at 320 px. */
async function spacedProblems(page: Page, name: string): Promise<string[]> {
  await page.setViewportSize({ width: 320, height: 640 });
  return page.evaluate(
    ({ css, name }: { css: string; name: string }) => {
      const sheet = new window.CSSStyleSheet();
      sheet.replaceSync(css);
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      const out: string[] = [];
      const de = document.documentElement;
      if (de.scrollWidth > de.clientWidth) out.push(`${name}: the page scrolls ${de.scrollWidth - de.clientWidth}px sideways`);
      for (const el of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
        if (el.getClientRects().length === 0 || el.closest('.visually-hidden, thead')) continue;
        const c = window.getComputedStyle(el);
        const clips = /hidden|clip/.test(c.overflowX + c.overflowY) && c.position !== 'absolute';
        if (clips && el.textContent.trim() && (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)) out.push(`${name}: ${el.tagName.toLowerCase()}.${el.className} cuts its text`);
      }
      return out;
    },
    { css: SPACING, name },
  );
}

(HAVE_CHROMIUM ? describe : describe.skip)('text spacing (WCAG 1.4.12) at 320 px', () => {
  const h = useSignedInPage({ admin: ADMIN, env: { MODELS_DIR: path.join(REPO_ROOT, 'models') } });

  it('no page scrolls sideways or cuts its text', async () => {
    const page = h.page;
    const found: string[] = [];
    await page.goto(`${h.base}/`);
    const buffer = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#808080' } }).png().toBuffer();
    const id = await analyseFromPage(page, buffer, { name: 'grey.png' });
    found.push(...(await spacedProblems(page, 'analysis result')));
    for (const url of ['/history', `/history/${id}`, '/models', '/models/brain_tumor', '/models/triage', '/studies', '/account', '/admin/users']) {
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(`${h.base}${url}`);
      found.push(...(await spacedProblems(page, url)));
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(found).toEqual([]);
  });
});
