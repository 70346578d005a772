/**
 * The held-out (leave-one-source-out) table of the committed triage card, as a reader sees it. It
 * showed the first five numeric fields: every non-MRI row read "Accepted right part —" and the figure
 * it is judged on was cut off. Now each row names its kind, the one figure it is judged on, the target
 * and, in words, whether it meets it; the count above the table; the full breakdown a click away; at
 * 390 px each row is a card. The rule is re-stated here from ml/ loso_report.py (triage_target), not
 * imported from the page's code. Real cards (models/, committed); skipped without them or Chromium.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/app';
import { axeAll, sameNames } from './a11y-checks';
import { HAVE_CHROMIUM, phoneProblems, useSignedInPage } from './harness';

const CARD = path.join(REPO_ROOT, 'models', 'triage', 'model_card.json');
const ADMIN = { email: 'card-loso-admin@example.org', password: 'card-loso-password-1' };

type Row = { source: string; true: string; passes_modality: number; accepted_as_supported: number; accepted_right_part: number | null };
const meets = (r: Row) => (r.true === 'not_mri' ? r.passes_modality <= 0.005 : r.true === 'other_mri' ? r.accepted_as_supported <= 0.02 : (r.accepted_right_part ?? 0) >= 0.9);
const pct = (v: number) => (v === 0 ? '0 %' : v === 1 ? '100 %' : `${(v * 100).toFixed(1)} %`);

(HAVE_CHROMIUM && fs.existsSync(CARD) ? describe : describe.skip)('the triage card\'s held-out table', () => {
  const rows = (JSON.parse(fs.readFileSync(CARD, 'utf8')) as { metrics: { loso: { rows: Row[] } } }).metrics.loso.rows;
  const table = 'table:has(caption:text-is("Each source held out in turn"))';

  const h = useSignedInPage({ admin: ADMIN, env: { MODELS_DIR: path.join(REPO_ROOT, 'models') } });
  beforeAll(async () => {
    await h.page.goto(`${h.base}/models/triage`);
  });

  it('says above the table how many rows meet their targets, counted from the card', async () => {
    const met = rows.filter(meets).length;
    const summary = (await h.page.locator('.loso-summary').textContent()) ?? '';
    expect(summary).toContain(`${met} of ${rows.length} held-out rows meet their targets; ${rows.length - met} miss`);
  });

  it('each row: its kind\'s figure, the target and the result in words', async () => {
    const shown = await h.page.locator(`${table} tbody tr`).evaluateAll((trs) => trs.map((tr) => ({
      source: tr.querySelector('th .loso-source')?.textContent ?? '',
      cells: Array.from(tr.querySelectorAll('td')).map((td) => (td.textContent ?? '').replace(/\u00a0/g, ' ')),
    })));
    expect(shown).toHaveLength(rows.length);
    for (const [i, r] of rows.entries()) {
      const [kind, , , figure, target, result] = shown[i].cells;
      const value = r.true === 'not_mri' ? r.passes_modality : r.true === 'other_mri' ? r.accepted_as_supported : r.accepted_right_part ?? 0;
      const want = r.true === 'not_mri' ? ['Not MRI', '≤ 0.5 %'] : r.true === 'other_mri' ? ['MRI of another body part', '≤ 2 %'] : [`${r.true[0].toUpperCase()}${r.true.slice(1)} MRI`, '≥ 90 %'];
      expect({ source: shown[i].source, kind, figure, target, result }).toEqual({ source: r.source, kind: want[0], figure: pct(value), target: want[1], result: meets(r) ? 'Meets' : 'Misses' });
    }
  });

  it('the full breakdown of a row opens under its source; the page reads at 390 px and passes axe, opened', async () => {
    const first = h.page.locator(`${table} tbody tr`).filter({ has: h.page.locator('td', { hasText: 'Not MRI' }) }).first();
    await first.locator('summary').click();
    const all = (await first.locator('details dl').innerText()).replace(/\u00a0/g, ' ');
    expect(all).toMatch(/Accepted as a supported body part:\s*\S+ %/);
    expect(all).toMatch(/Refused as not MRI: out of distribution:\s*\S+ %/);
    expect(await phoneProblems(h.page, 'model-card-triage-loso')).toEqual([]);
    // at 390 px a row is a card: every cell names its column
    const labels = await first.locator('td').evaluateAll((tds) => tds.map((td) => getComputedStyle(td, '::before').content));
    expect(labels.every((c) => /Kind|Images|Judged on|Figure|Target|Result/.test(c))).toBe(true);
    await h.page.setViewportSize({ width: 1280, height: 800 });
    expect(await axeAll(h.page, 'triage card, a breakdown open')).toEqual([]);
    // each row's "All figures" names its row (a source held out twice, as brain and as not MRI, by its kind too)
    expect(await sameNames(h.page, 'triage card')).toEqual([]);
    const names = await h.page.locator(`${table} summary`).allTextContents();
    expect(new Set(names).size).toBe(rows.length);
  });
});
