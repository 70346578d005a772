/**
 * Counts and their nouns: "1 records" and "Summary · 1 analyses" on the history page. The helper, and
 * views/history.hbs rendered with the registered view helpers, over 0, 1 and many.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { registerViewHelpers } from '../../../src/common/view-helpers';
import { countOf } from '../../../src/presentation/plural';

describe('countOf', () => {
  it('singular for one, plural for zero and many, thousands grouped', () => {
    expect(countOf(1, 'record')).toBe('1 record');
    expect(countOf(0, 'record')).toBe('0 records');
    expect(countOf(2, 'analysis', 'analyses')).toBe('2 analyses');
    expect(countOf(1, 'analysis', 'analyses')).toBe('1 analysis');
    expect(countOf(1234, 'image')).toBe('1,234 images');
  });
});

describe('history.hbs counts', () => {
  const hb = Handlebars.create();
  registerViewHelpers(hb);
  const template = hb.compile(readFileSync(path.join(__dirname, '../../../views/history.hbs'), 'utf8'));
  const render = (total: number) => template({ summary: { total }, page: { total, page: 1, pages: total ? 1 : 0 }, rows: [], timingsByKind: [], empty: {} }).replace(/\s+/g, ' ');

  it('one record: "1 analysis", "1 record"', () => {
    const html = render(1);
    expect(html).toContain('Summary · 1 analysis</h2>');
    expect(html).toContain('Page 1 of 1 · 1 record</span>');
  });

  it('none and many read as plurals', () => {
    expect(render(0)).toContain('Summary · 0 analyses</h2>');
    expect(render(0)).toContain('>0 records</span>');
    expect(render(3)).toContain('Page 1 of 1 · 3 records</span>');
  });

  it("the summary's own `count` fields still print their numbers (a helper named `count` took them over: \"[object Object]\")", () => {
    const html = template({ summary: { total: 3, byStatus: [{ key: 'Completed', count: 2 }, { key: 'Rejected', count: 1 }], byBodyPart: [], byLabel: [], reasons: [] }, page: { total: 3, page: 1, pages: 1 }, rows: [], timingsByKind: [], empty: {} }).replace(/\s+/g, ' ');
    expect(html).toContain('<li><span>Completed</span><span>2</span></li>');
    expect(html).not.toContain('[object Object]');
  });
});

describe('model-card.hbs source counts', () => {
  it('each source row prints its image count', () => {
    const hb = Handlebars.create();
    registerViewHelpers(hb);
    const src = readFileSync(path.join(__dirname, '../../../views/model-card.hbs'), 'utf8');
    const row = /\{\{#each card\.sources\}\}[\s\S]*?\{\{\/each\}\}/.exec(src)?.[0] ?? '';
    expect(row).toContain('Images');
    const html = hb.compile(row)({ card: { sources: [{ source: 'brain_x', count: 412, licence: 'CC BY 4.0' }] } });
    expect(html).toContain('<span class="figure">412</span>');
  });
});
