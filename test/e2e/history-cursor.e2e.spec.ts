/**
 * Keyset paging of the history (history-cursor.ts): a client or a person walking the pages while
 * analyses are recorded sees every row that was there once, in order, and none twice. With offset
 * paging (`page`, kept for older clients) each record added mid-walk pushed a row of the page just
 * read onto the next one (README "Paging": total 14 → 15, one id on both pages).
 */
import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { solidPng } from '../support/images';
import type { HistoryApiPage } from '../helpers/history-page';

type ApiPage = HistoryApiPage<{ id: string; status: string }>;

const SEEDED = 23;
const SIZE = 5;

describe('history: cursor paging while analyses are recorded', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' }, sessions: { alice: {}, bob: {} } });
  const { alice, bob } = h.sessions;
  const prisma = () => h.get(PrismaService);
  /** alice's seeded rows in the list's order: newest first, ties by id (descending) */
  let order: { id: string; status: string }[];

  /** a record of `user` made now: newer than every seeded row, as one recorded mid-walk is */
  const recordNow = (user: TestSession, status = 'completed') =>
    prisma().analysis.create({ data: { userId: user.user.id, createdAt: new Date(), byteSize: 1, sha256: 'e'.repeat(64), status } });

  beforeAll(async () => {
    // three rows share each second, so ties straddle page boundaries; every third one rejected
    const t0 = Date.UTC(2026, 0, 1);
    await prisma().analysis.createMany({
      data: Array.from({ length: SEEDED }, (_, i) => ({
        userId: alice.user.id,
        createdAt: new Date(t0 + Math.floor(i / 3) * 1000),
        byteSize: i,
        sha256: i.toString(16).padStart(64, '0'),
        status: i % 3 === 0 ? 'rejected' : 'completed',
      })),
    });
    await prisma().analysis.createMany({ data: [0, 1].map((i) => ({ userId: bob.user.id, createdAt: new Date(t0 + i * 1000), byteSize: 1, sha256: 'b'.repeat(64), status: 'completed' })) });
    const rows = await prisma().analysis.findMany({ where: { userId: alice.user.id }, select: { id: true, createdAt: true, status: true } });
    order = rows
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .map(({ id, status }) => ({ id, status }));
  });

  const get = async (who: TestSession, query: string, status = 200) =>
    (await request(h.server).get(`/api/v1/history?${query}`).set(who.bearer).expect(status)).body as ApiPage;

  /** Walks from `first` by nextCursor, running `between` before each next page; the ids seen and the pages' numbers. */
  async function walk(first: string, between: () => Promise<unknown>, extra = ''): Promise<{ ids: string[]; pages: number[]; totals: number[] }> {
    const ids: string[] = [];
    const pages: number[] = [];
    const totals: number[] = [];
    let body = await get(alice, first);
    for (;;) {
      ids.push(...body.items.map((i) => i.id));
      pages.push(body.page);
      totals.push(body.total);
      if (!body.nextCursor) return { ids, pages, totals };
      await between();
      body = await get(alice, `cursor=${encodeURIComponent(body.nextCursor)}${extra}`);
    }
  }

  it('API: a walk with records added between every page repeats none and skips none; the last page has no nextCursor', async () => {
    // one real analysis through the pipeline mid-walk too, not only rows written beside it
    const png = await solidPng(256, 256, 200);
    let step = 0;
    const start = await get(alice, `pageSize=${SIZE}`);
    expect(start.prevCursor).toBeNull();
    const { ids, pages, totals } = await walk(`pageSize=${SIZE}`, async () => {
      if (++step === 2) await request(h.server).post('/api/v1/analyses').set(alice.bearer).attach('image', png, 'mid.png').expect(200);
      else await recordNow(alice);
    });
    expect(ids).toEqual(order.map((o) => o.id));
    expect(new Set(ids).size).toBe(SEEDED);
    expect(pages).toEqual([1, 2, 3, 4, 5]);
    expect(totals[0]).toBe(SEEDED);
    expect(totals[totals.length - 1]).toBe(SEEDED + 4); // one record before each of pages 2–5
  });

  it('offset paging (`page`) still answers old clients as it did: each record added mid-walk repeats a row', async () => {
    const seen: string[] = [];
    const base = (await get(alice, 'pageSize=5')).total;
    for (let page = 1; page <= Math.ceil(base / SIZE); page++) {
      if (page > 1) await recordNow(alice);
      const body = await get(alice, `pageSize=${SIZE}&page=${page}`);
      expect(body.nextCursor === null).toBe(page * SIZE >= body.total);
      seen.push(...body.items.map((i) => i.id));
    }
    // what the README's "Paging" paragraph says of `page`: one repeat per record added between pages
    expect(seen.length - new Set(seen).size).toBe(Math.ceil(base / SIZE) - 1);
  });

  it('the cursor keeps the filters of the request that made it, with records of both kinds added mid-walk', async () => {
    const rejected = (await get(alice, 'status=rejected&pageSize=100')).items.map((i) => i.id);
    expect(rejected.length).toBeGreaterThanOrEqual(8);
    let n = 0;
    const { ids } = await walk('status=rejected&pageSize=3', () => recordNow(alice, ++n % 2 ? 'rejected' : 'completed'));
    expect(ids).toEqual(rejected);
    // the same filters beside it are taken; others are a named 400
    const first = await get(alice, 'status=rejected&pageSize=3');
    const cursor = encodeURIComponent(first.nextCursor ?? '');
    expect((await get(alice, `cursor=${cursor}&status=rejected`)).items.every((i) => i.status === 'rejected')).toBe(true);
    const other = await request(h.server).get(`/api/v1/history?cursor=${cursor}&status=completed`).set(alice.bearer).expect(400);
    expect(other.body.code).toBe('CURSOR_FILTERS_MISMATCH');
  });

  it("prevCursor goes back to the rows just before the page's first", async () => {
    const one = await get(alice, 'pageSize=4');
    const two = await get(alice, `cursor=${encodeURIComponent(one.nextCursor ?? '')}`);
    const three = await get(alice, `cursor=${encodeURIComponent(two.nextCursor ?? '')}`);
    const back = await get(alice, `cursor=${encodeURIComponent(three.prevCursor ?? '')}`);
    expect(back.items.map((i) => i.id)).toEqual(two.items.map((i) => i.id));
    expect(back.page).toBe(2);
    // back to the top: the first page as it is, with no prevCursor
    const top = await get(alice, `cursor=${encodeURIComponent(back.prevCursor ?? '')}`);
    expect(top).toMatchObject({ page: 1, prevCursor: null });
    expect(top.items.map((i) => i.id)).toEqual(one.items.map((i) => i.id));
  });

  it('a pageSize changed mid-walk renumbers the page on the new size: never "page 4 of 2"', async () => {
    const carol = await loginAs(h.app);
    const t0 = Date.UTC(2026, 1, 1);
    await prisma().analysis.createMany({ data: Array.from({ length: 16 }, (_, i) => ({ userId: carol.user.id, createdAt: new Date(t0 + i * 1000), byteSize: 1, sha256: 'c'.repeat(64), status: 'completed' })) });
    const at = async (query: string) => (await request(h.server).get(`/api/v1/history?${query}`).set(carol.bearer).expect(200)).body as ApiPage;
    const one = await at('pageSize=2');
    const two = await at(`cursor=${encodeURIComponent(one.nextCursor ?? '')}`);
    const three = await at(`cursor=${encodeURIComponent(two.nextCursor ?? '')}`);
    // 6 rows read; the other 10 at 10 a page are the second and last page of 2 (it said page 4 of 2)
    const rest = await at(`cursor=${encodeURIComponent(three.nextCursor ?? '')}&pageSize=10`);
    expect({ page: rest.page, pages: rest.pages, rows: rest.items.length, next: rest.nextCursor }).toEqual({ page: 2, pages: 2, rows: 10, next: null });
    // 4 rows read, then 3 a page: those 4 fill 2 pages of 3 (one in part), so rows 5–7 are page 3 of 6
    const mid = await at(`cursor=${encodeURIComponent(two.nextCursor ?? '')}&pageSize=3`);
    expect(mid).toMatchObject({ page: 3, pages: 6 });
    // back from page 3 of 2-row pages at 5 a page: the 4 rows above are less than a page, so the top
    const back = await at(`cursor=${encodeURIComponent(three.prevCursor ?? '')}&pageSize=5`);
    expect({ page: back.page, prev: back.prevCursor, first: back.items[0]?.id }).toEqual({ page: 1, prev: null, first: one.items[0].id });
    // every switch, each way, stays within the count
    for (const from of [one, two, three, rest, mid])
      for (const cursor of [from.nextCursor, from.prevCursor])
        for (const size of [1, 3, 7, 16, 100]) {
          if (!cursor) continue;
          const page = await at(`cursor=${encodeURIComponent(cursor)}&pageSize=${size}`);
          expect({ size, ok: page.page >= 1 && page.page <= Math.max(1, page.pages) }).toEqual({ size, ok: true });
        }
  });

  it("a cursor in another user's hands gives only that user's rows", async () => {
    const mine = await get(alice, 'pageSize=2');
    const theirs = await get(bob, `cursor=${encodeURIComponent(mine.nextCursor ?? '')}`);
    const bobs = new Set((await prisma().analysis.findMany({ where: { userId: bob.user.id }, select: { id: true } })).map((r) => r.id));
    expect(theirs.items.every((i) => bobs.has(i.id))).toBe(true);
  });

  it('a cursor cut short, edited or made up is a 400 INVALID_CURSOR; page with cursor, or a cursor to the summary or export, a 400 BAD_REQUEST — never a 500', async () => {
    const { nextCursor } = await get(alice, 'pageSize=5');
    const c = nextCursor ?? '';
    for (const bad of [c.slice(0, -3), `x${c}`, c.replace(/.(?=\.)/, (ch) => (ch === 'A' ? 'B' : 'A')), 'garbage', '%00', 'a.b', 'x'.repeat(3000)]) {
      const res = await request(h.server).get(`/api/v1/history?cursor=${encodeURIComponent(bad)}`).set(alice.bearer);
      expect({ bad: bad.slice(0, 20), status: res.status, code: res.body.code }).toEqual({ bad: bad.slice(0, 20), status: 400, code: 'INVALID_CURSOR' });
    }
    const both = await request(h.server).get(`/api/v1/history?cursor=${encodeURIComponent(c)}&page=2`).set(alice.bearer).expect(400);
    expect(both.body).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('"page" and "cursor"') });
    // the summary and the export have no pages: a cursor there is refused, not dropped
    const root = await loginAs(h.app, { role: 'admin' });
    for (const path of ['/api/v1/history/summary', '/api/v1/history/export.csv']) {
      const res = await request(h.server).get(`${path}?cursor=${encodeURIComponent(c)}`).set(root.bearer).expect(400);
      expect(res.body).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('"cursor" pages the list') });
      // and so are page and pageSize (they answered 200 with every record), which the document no longer offers there
      for (const [name, value] of [['page', '2'], ['pageSize', '1000']]) {
        const paged = await request(h.server).get(`${path}?${name}=${value}`).set(root.bearer).expect(400);
        expect(paged.body).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining(`"${name}" pages the list`) });
      }
    }
    const doc = (await request(h.server).get('/api/docs-json').set(root.headers).expect(200)).body as { paths: Record<string, { get: { parameters: { name: string }[] } }> };
    const offered = (p: string) => doc.paths[p].get.parameters.map((q) => q.name).filter((n) => ['page', 'pageSize', 'cursor'].includes(n));
    expect([offered('/api/v1/history'), offered('/api/v1/history/summary'), offered('/api/v1/history/export.csv')]).toEqual([['page', 'pageSize', 'cursor'], [], []]);
    // the page (a browser asks for HTML; without Accept the one filter's JSON, as for ?a=1): the filter form and the reason, status 400
    const html = await request(h.server).get('/history?cursor=garbage').set(alice.headers).set('Accept', 'text/html').set('X-Request-Id', 'tampered-cursor-1').expect(400);
    expect(html.text).toContain('id="filter-error"');
    expect(html.text).toContain('is not one this server gave');
    // the code and the reference the error pages show, for the user to quote to the admin
    expect(html.text).toMatch(/Code: <code>INVALID_CURSOR<\/code> · Reference: <code>tampered-cursor-1<\/code>/);
  });

  it('HTML: clicking "Next" while analyses are recorded shows every row once; page numbers and total stay', async () => {
    const unescape = (s: string) => s.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    const seen: string[] = [];
    const footers: string[] = [];
    let href: string | null = `/history?pageSize=3&status=rejected`;
    let clicks = 0;
    while (href) {
      const res = await request(h.server).get(href).set(alice.headers).expect(200);
      seen.push(...[...res.text.matchAll(/<a href="\/history\/([0-9a-f-]{36})">Details/g)].map((m) => m[1]));
      footers.push(/Page \d+ of \d+ · \d+ records/.exec(res.text)?.[0] ?? '');
      const next = /<a class="btn" href="([^"]+)">Next<\/a>/.exec(res.text);
      href = next ? unescape(next[1]) : null;
      if (href) {
        expect(href).toMatch(/^\/history\?status=rejected&cursor=/);
        await recordNow(alice, 'rejected');
        clicks++;
      }
    }
    const rejected = order.filter((o) => o.status === 'rejected').map((o) => o.id);
    // the seeded rejected rows in order, after those recorded by the earlier tests (newer), each once
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(-rejected.length)).toEqual(rejected);
    expect(clicks).toBeGreaterThanOrEqual(2);
    expect(footers.map((f) => /Page (\d+)/.exec(f)?.[1])).toEqual(footers.map((_, i) => String(i + 1)));
  });
});
