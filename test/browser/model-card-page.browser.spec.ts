/**
 * The brain model card as a person reads it: its description named the label key "notumor" where
 * every other place says "no tumour"; the held-out sources' number columns sat left while the
 * training table's sat right; and a source whose every image was answered read "> 99.9 %", not
 * "100 %". Real cards (models/, committed); skipped without them or without Chromium.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/app';
import { HAVE_CHROMIUM, useSignedInPage } from './harness';

const CARD = path.join(REPO_ROOT, 'models', 'brain_tumor', 'model_card.json');
const ADMIN = { email: 'card-page-admin@example.org', password: 'card-page-password-1' };

(HAVE_CHROMIUM && fs.existsSync(CARD) ? describe : describe.skip)('the brain model card page', () => {
  const h = useSignedInPage({ admin: ADMIN, env: { MODELS_DIR: path.join(REPO_ROOT, 'models') } });
  beforeAll(async () => {
    await h.page.goto(`${h.base}/models/brain_tumor`);
  });

  it('the description names the labels in the page\'s words, not their keys', async () => {
    const lead = (await h.page.locator('.hero .lead').textContent()) ?? '';
    expect(lead).toContain('no tumour');
    expect(lead).not.toMatch(/\bnotumor\b/);
  });

  it('the held-out table\'s number columns are right-aligned, as the training table\'s are; its words left', async () => {
    const align = await h.page.evaluate(() => {
      const tables = Array.from(document.querySelectorAll('table'));
      const of = (caption: string) => tables.find((t) => t.querySelector('caption')?.textContent === caption)!;
      const cells = (t: HTMLTableElement) => Array.from(t.querySelectorAll('tbody tr'))[0].querySelectorAll('th, td');
      const heads = (t: HTMLTableElement) => Array.from(t.querySelectorAll('thead th'));
      const held = of('Each source held out in turn');
      const training = of('Training sources');
      return {
        training: [cells(training)[1].textContent, getComputedStyle(cells(training)[1]).textAlign],
        held: Array.from(cells(held)).map((c, i) => [heads(held)[i].textContent, getComputedStyle(heads(held)[i]).textAlign, getComputedStyle(c).textAlign]),
      };
    });
    expect(align.training[1]).toBe('right');
    expect(align.held.map(([name]) => name)).toEqual(['Held-out source', 'Kind', 'Images', 'Judged on', 'Figure', 'Target', 'Result']);
    for (const [name, head, cell] of align.held) {
      const words = ['Held-out source', 'Kind', 'Judged on', 'Result'].includes(name ?? '');
      expect({ name, head, cell }).toEqual({ name, head: words ? 'left' : 'right', cell: words ? 'left' : 'right' });
    }
  });

  it('a share of all reads "100 %"; "> 99.9 %" only for a share short of all', async () => {
    const card = JSON.parse(fs.readFileSync(CARD, 'utf8'));
    const rows = card.metrics.loso.rows as Record<string, unknown>[];
    const whole = rows.findIndex((r) => r.answered === 1 && r.right_among_answered === 1);
    expect(whole).toBeGreaterThanOrEqual(0);
    const row = h.page.locator('table:has(caption:text-is("Each source held out in turn")) tbody tr').nth(whole);
    // the figure a tumour-free row is judged on, with the share answered beside it
    expect((await row.locator('td[data-label="Figure"]').textContent())?.replace(/\u00a0/g, ' ')).toBe('100 % (100 % answered)');
    expect((await row.locator('td').allTextContents()).join(' ').replace(/\u00a0/g, ' ')).not.toContain('> 99.9 %');
  });

  it('the coverage shown is what the service does (threshold and out-of-distribution refusal), the threshold-only one named so', async () => {
    const card = JSON.parse(fs.readFileSync(CARD, 'utf8'));
    const rows = await h.page.locator('table:has(caption:text-is("Figures on the test split")) tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')?.textContent ?? '', tr.querySelector('td')?.textContent ?? '']));
    const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
    const coverage = rows.filter(([name]) => /coverage/.test(name));
    expect(coverage).toEqual([[expect.stringMatching(/not refused as out-of-distribution, as the service answers/), pct(card.metrics.coverage_with_ood)]]);
    const alone = rows.find(([, value]) => value === pct(card.metrics.coverage_at_threshold));
    expect(alone?.[0]).toMatch(/threshold alone .*not how the service answers/);
    for (const [name] of rows) expect(name).toMatch(/test/i);
    await expect(h.page.locator('#mc-figures ~ p').first().textContent()).resolves.toContain(`${card.metrics.split}, ${card.metrics.n_test.toLocaleString('en-GB')} images`);
  });
});
