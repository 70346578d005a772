/**
 * A model's caveat beside its answer: "…it called 9 % of the tumour-free slices it answered a
 * tumour…" broke between "9" and "%" on a phone (the history detail at 375 px: "it called 9" /
 * "% of the tumour-free slices"), where the answer's own figures are kept whole (span.figure,
 * view-helpers.ts `figures`). The server-rendered caveats — history detail, history row, model
 * card — now go through the same helper. The templates rendered with the registered helpers.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { registerViewHelpers } from '../../../src/common/view-helpers';

const CAVEAT = 'On collections this model was not trained on (each held out in turn), it called 9 % of the tumour-free slices it answered a tumour.';
const KEPT_WHOLE = '<span class="figure">9 %</span> of the tumour-free';

function template(name: string): Handlebars.TemplateDelegate {
  const hb = Handlebars.create();
  registerViewHelpers(hb);
  return hb.compile(readFileSync(path.join(__dirname, '../../../views', name), 'utf8'));
}

/** The `{{#each X}}` … `{{/each}}` block of a template that shows a caveat, compiled alone. */
function eachBlock(name: string, list: string): Handlebars.TemplateDelegate {
  const hb = Handlebars.create();
  registerViewHelpers(hb);
  const src = readFileSync(path.join(__dirname, '../../../views', name), 'utf8');
  // the block that shows a caveat (history.hbs has an earlier {{#each rows}}: the summary's timings)
  const blocks = src.match(new RegExp(`\\{\\{#each ${list.replace('.', '\\.')}\\}\\}[\\s\\S]*?\\{\\{/each\\}\\}`, 'g')) ?? [];
  const block = blocks.find((b) => b.includes('caveat')) ?? '';
  expect(block).not.toBe('');
  return hb.compile(block);
}

describe('a caveat keeps each figure and its per-cent sign together', () => {
  it('the history detail page', () => {
    const html = template('history-detail.hbs')({ view: { title: 'Glioma', message: 'Most likely: glioma.' }, item: { id: 'x', task: 'brain_tumor' }, caveat: CAVEAT });
    expect(html).toContain(KEPT_WHOLE);
  });

  it('the history detail\'s facts: the threshold, MRI check, body part and study rule ("80.0" / "%, brain tumour model" at 375 px)', () => {
    const view = { title: 'Glioma', message: 'm', mri: 'MRI (> 99.9 %)', bodyPartLine: 'Brain (> 99.9 %)', threshold: 'triage model 80.0 %, brain tumour model 60.0 %', study: { rule: '60.0 % of the slices must agree' } };
    const html = template('history-detail.hbs')({ view, item: { id: 'x' } }).replace(/\s+/g, ' ');
    expect(html).toContain('<dt>Confidence threshold</dt><dd>triage model <span class="figure">80.0 %</span>, brain tumour model <span class="figure">60.0 %</span></dd>');
    expect(html).toContain('<dt>MRI check</dt><dd>MRI (<span class="figure">&gt; 99.9 %</span>)</dd>');
    expect(html).toContain('<dt>Body part</dt><dd>Brain (<span class="figure">&gt; 99.9 %</span>)</dd>');
    expect(html).toContain('<dt>Study rule</dt><dd><span class="figure">60.0 %</span> of the slices must agree</dd>');
  });

  it('a history row', () => {
    const html = eachBlock('history.hbs', 'rows')({ rows: [{ title: 'Glioma', caveat: CAVEAT }] });
    expect(html).toContain(KEPT_WHOLE);
  });

  it("the model card's answers", () => {
    const html = eachBlock('model-card.hbs', 'card.labels')({ card: { labels: [{ text: 'glioma', caveat: CAVEAT }] } });
    expect(html).toContain(KEPT_WHOLE);
  });
});
