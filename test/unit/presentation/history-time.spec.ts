/**
 * The history table's Time column wrapped to 4 lines at 1280 px and every cell repeated "UTC" under
 * its "Time (UTC)" header. A cell now reads "4 Dec 2026, 18:33" with the date and the time each kept
 * whole (at most two lines), and a phone's card label carries the "(UTC)" the header said. A model
 * card's range "100.0-100.0 %" could break at its hyphen: it is kept whole as a figure is.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { figuresHtml, registerViewHelpers } from '../../../src/common/view-helpers';
import { historyRow } from '../../../src/presentation/history.view';
import { notMriRecord } from '../../helpers/history-item';

const NBSP = '\u00a0';

describe('the history table\'s Time column', () => {
  const row = historyRow(notMriRecord({ createdAt: '2026-12-04T18:33:10.000Z' }));

  it('says the time without "UTC" (the header says it), the date and the time each unbroken', () => {
    expect(row.time).toBe(`4${NBSP}Dec${NBSP}2026, 18:33`);
    expect(row.when).toBe('4 Dec 2026, 18:33 UTC'); // the detail page's heading and title keep the zone
  });

  it('history.hbs prints it with the zone in the header and in the phone card label', () => {
    const hb = Handlebars.create();
    registerViewHelpers(hb);
    const html = hb.compile(readFileSync(path.join(__dirname, '../../../views/history.hbs'), 'utf8'))({ rows: [row], summary: { total: 1 }, page: { total: 1, page: 1, pages: 1 }, timingsByKind: [], empty: {} });
    const cell = /<td role="cell" data-label="([^"]*)">([^<]*)<\/td>/.exec(html);
    expect(cell?.[1]).toBe('Time (UTC)');
    expect(cell?.[2]).toBe(`4${NBSP}Dec${NBSP}2026, 18:33`);
  });
});

describe('a figure range on the model card', () => {
  it('"100.0-100.0 %" is one unbreakable figure', () => {
    expect(figuresHtml('held-out head CT is refused 100.0-100.0 %.').toHTML()).toBe('held-out head CT is refused <span class="figure">100.0-100.0 %</span>.');
    expect(figuresHtml('1-2 patients, 5 %').toHTML()).toBe('1-2 patients, <span class="figure">5 %</span>');
  });
});
