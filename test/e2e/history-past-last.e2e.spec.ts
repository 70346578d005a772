/**
 * An offset page past the last one (GET /api/v1/history?page=N, N > pages). It answered empty
 * items with `prevCursor` null, which the README and the OpenAPI document keep for the FIRST page:
 * a client stepping back had no link, and one that stops on null took the history for empty. It
 * is still a 200 (an old client walking `page=N+1` until an empty page keeps working) and now its
 * `prevCursor` leads to the last page, exactly that page's rows; the document says so.
 */
import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import type { HistoryApiPage } from '../helpers/history-page';

type ApiPage = HistoryApiPage;

describe('history API: an offset page past the last one links back to the last page', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' } });
  const prisma = () => h.get(PrismaService);

  /** `n` rows of a new user, two a second (ties cross page boundaries); their ids in the list's order. */
  async function userWith(n: number): Promise<{ who: TestSession; order: string[] }> {
    const who = await loginAs(h.app);
    const t0 = Date.UTC(2026, 1, 1);
    await prisma().analysis.createMany({
      data: Array.from({ length: n }, (_, i) => ({ userId: who.user.id, createdAt: new Date(t0 + Math.floor(i / 2) * 1000), byteSize: i, sha256: 'c'.repeat(64), status: 'completed' })),
    });
    const rows = await request(h.server).get(`/api/v1/history?pageSize=100`).set(who.bearer).expect(200);
    return { who, order: (rows.body as ApiPage).items.map((i) => i.id) };
  }

  const get = async (who: TestSession, query: string) => (await request(h.server).get(`/api/v1/history?${query}`).set(who.bearer).expect(200)).body as ApiPage;

  it('page 7 of 3 (12 rows, 5 a page): empty, with a prevCursor to page 3 and on back to page 2', async () => {
    const { who, order } = await userWith(12);
    const past = await get(who, 'page=7&pageSize=5');
    expect({ items: past.items, total: past.total, page: past.page, pages: past.pages, nextCursor: past.nextCursor }).toEqual({ items: [], total: 12, page: 7, pages: 3, nextCursor: null });
    expect(past.prevCursor).toEqual(expect.any(String));

    const last = await get(who, `cursor=${past.prevCursor}`);
    expect(last.items.map((i) => i.id)).toEqual(order.slice(10, 12));
    expect([last.page, last.pages, last.nextCursor]).toEqual([3, 3, null]);
    expect(last.items.map((i) => i.id)).toEqual((await get(who, 'page=3&pageSize=5')).items.map((i) => i.id));

    const before = await get(who, `cursor=${last.prevCursor}`);
    expect(before.items.map((i) => i.id)).toEqual(order.slice(5, 10));
    expect(before.page).toBe(2);
  });

  it('past a one-page history: the prevCursor gives that page, which is the first (no prevCursor)', async () => {
    const { who, order } = await userWith(3);
    const past = await get(who, 'page=4');
    expect([past.items.length, past.pages, past.nextCursor]).toEqual([0, 1, null]);
    const first = await get(who, `cursor=${past.prevCursor}`);
    expect(first.items.map((i) => i.id)).toEqual(order);
    expect([first.page, first.prevCursor, first.nextCursor]).toEqual([1, null, null]);
  });

  it('an empty history has no page to go back to: no prevCursor', async () => {
    const { who } = await userWith(0);
    const past = await get(who, 'page=3');
    expect([past.items.length, past.total, past.prevCursor, past.nextCursor]).toEqual([0, 0, null, null]);
  });

  it('the OpenAPI document says what prevCursor is on a page past the last', async () => {
    const who = await loginAs(h.app);
    const doc = (await request(h.server).get('/api/docs-json').set(who.bearer).expect(200)).body as { components: { schemas: Record<string, { properties: Record<string, { description?: string }> }> } };
    expect(doc.components.schemas.HistoryPageDto.properties.prevCursor.description).toContain('on an offset page past the last, the last page');
  });
});
