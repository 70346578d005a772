/**
 * The history table with no row. It said "No analyses match." whatever the reason: to a
 * first-time user who had set no filter (no way on to the analyser), and on a page past the last
 * one ("Page 5 of 1 · 1 records" over "No analyses match.", while the record exists); an empty history
 * asked for page 3 said "Page 3 of 1 · 0 records" (now no page is named). Each case
 * now says which it is, with the link that helps.
 */
import request from 'supertest';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { solidPng } from '../support/images';

/** The empty-table cell's text and link, from the rendered page. */
function emptyCell(html: string): { text: string; href: string } | null {
  const m = /<td[^>]*id="history-empty"[^>]*>([\s\S]*?)<\/td>/.exec(html);
  if (!m) return null;
  const href = /href="([^"]*)"/.exec(m[1])?.[1] ?? '';
  return { text: m[1].replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim(), href: href.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=') };
}

describe('history page: what an empty table says', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR }, sessions: { newcomer: {} } });
  const { newcomer } = h.sessions;

  it('a first-time user with no filter is told there is nothing yet and led to the analyser', async () => {
    const res = await request(h.server).get('/history').set(newcomer.headers).expect(200);
    const cell = emptyCell(res.text);
    expect(cell?.text).toContain('You have no analyses yet.');
    expect(cell?.text).not.toContain('match');
    expect(cell?.href).toBe('/');
  });

  it('an empty history asked for page 3 names no page: it said "Page 3 of 1 · 0 records"', async () => {
    const res = await request(h.server).get('/history?page=3').set(newcomer.headers).expect(200);
    const text = res.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(emptyCell(res.text)?.text).toContain('You have no analyses yet.');
    expect(text).not.toMatch(/page \d+ of/i);
    expect(text).toContain('0 records');
  });

  it('with a filter set, it says the filters matched nothing and offers to reset them', async () => {
    const res = await request(h.server).get('/history?status=rejected').set(newcomer.headers).expect(200);
    expect(emptyCell(res.text)).toEqual({ text: 'No analyses match these filters. Reset the filters', href: '/history' });
  });

  it('a page past the last one says so and links to the last page, not "no analyses"', async () => {
    await request(h.server).post('/api/v1/analyses').set(newcomer.bearer).attach('image', await solidPng(256, 256, 255), 'a.png').expect(200);
    const res = await request(h.server).get('/history?page=5&pageSize=10').set(newcomer.headers).expect(200);
    const cell = emptyCell(res.text);
    expect(cell?.text).toContain('past the last one (page 1)');
    expect(cell?.href).toBe('/history?page=1&pageSize=10');
    // the record is there, on page 1
    expect(emptyCell((await request(h.server).get('/history').set(newcomer.headers).expect(200)).text)).toBeNull();
  });
});
