/**
 * A history cursor whose rows went meanwhile (deleted, or their account deleted). With every row
 * gone it answered "page 3 of 0" and still offered a prevCursor, which led to an empty first page;
 * with some left past none of its place the table said "You have no analyses yet" over a count of
 * records. Now: no rows at all is the empty history (page 1, no links); rows left elsewhere keep
 * the page number within the page count, and the empty table says the rows past this point went.
 */
import request from 'supertest';
import { decodeCursor } from '../../src/history/history-cursor';
import { PrismaService } from '../../src/prisma/prisma.service';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import type { HistoryApiPage } from '../helpers/history-page';

type ApiPage = HistoryApiPage;

const ROWS = 12;
const SIZE = 5;

describe('history: a cursor whose rows were deleted', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' } });
  const prisma = () => h.get(PrismaService);

  const get = async (who: TestSession, query: string) => (await request(h.server).get(`/api/v1/history?${query}`).set(who.bearer).expect(200)).body as ApiPage;
  const html = async (who: TestSession, cursor: string) => (await request(h.server).get(`/history?cursor=${encodeURIComponent(cursor)}`).set(who.headers).expect(200)).text;
  const emptyCell = (text: string) => /<td[^>]*id="history-empty"[^>]*>([\s\S]*?)<\/td>/.exec(text)?.[1].replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim() ?? null;
  const footer = (text: string) => /(Page \d+ of \d+ · )?\d+ records/.exec(text)?.[0];

  /** A user with ROWS rows one second apart, newest first by index; the cursor to page 3 (rows 10–11). */
  async function seededWalk(): Promise<{ who: TestSession; ids: string[]; third: string }> {
    const who = await loginAs(h.app);
    const t0 = Date.UTC(2026, 0, 1);
    await prisma().analysis.createMany({
      data: Array.from({ length: ROWS }, (_, i) => ({ userId: who.user.id, createdAt: new Date(t0 - i * 1000), byteSize: i, sha256: 'a'.repeat(64), status: 'completed' })),
    });
    const first = await get(who, `pageSize=${SIZE}`);
    const second = await get(who, `cursor=${encodeURIComponent(first.nextCursor!)}`);
    const third = await get(who, `cursor=${encodeURIComponent(second.nextCursor!)}`);
    expect({ page: third.page, pages: third.pages, rows: third.items.length }).toEqual({ page: 3, pages: 3, rows: 2 });
    return { who, ids: [...first.items, ...second.items, ...third.items].map((i) => i.id), third: second.nextCursor! };
  }

  it('every row gone: the empty history — page 1 of none, no prevCursor or nextCursor; the page says there is nothing', async () => {
    const { who, third } = await seededWalk();
    await prisma().analysis.deleteMany({ where: { userId: who.user.id } });
    expect(await get(who, `cursor=${encodeURIComponent(third)}`)).toMatchObject({ items: [], total: 0, page: 1, pages: 0, nextCursor: null, prevCursor: null });
    const page = await html(who, third);
    expect(emptyCell(page)).toContain('You have no analyses yet.');
    // no page named when there is no record (history-empty.e2e.spec.ts), never "page 3 of 0"
    expect(footer(page)).toBe('0 records');
    expect(page).not.toMatch(/>Previous<\/a>|>Next<\/a>/);
  });

  it('the newest rows gone: the page number stays within the count, and so do its cursors', async () => {
    const { who, ids, third } = await seededWalk();
    // 7 newest gone: 5 left, one page; the cursor's place (row 9) is gone too
    await prisma().analysis.deleteMany({ where: { id: { in: ids.slice(0, 7) } } });
    const body = await get(who, `cursor=${encodeURIComponent(third)}&pageSize=2`);
    expect({ page: body.page, pages: body.pages, total: body.total, items: body.items.map((i) => i.id) }).toEqual({ page: 3, pages: 3, total: 5, items: ids.slice(10, 12) });
    const atFive = await get(who, `cursor=${encodeURIComponent(third)}`);
    expect({ page: atFive.page, pages: atFive.pages, next: atFive.nextCursor }).toEqual({ page: 1, pages: 1, next: null });
    // the previous page of that walk is numbered within the count too
    expect(decodeCursor(atFive.prevCursor!).page).toBeLessThanOrEqual(1);
  });

  it('the rows past the place gone, newer ones left: within the count, and the table says the rows went, with the way back', async () => {
    const { who, ids, third } = await seededWalk();
    await prisma().analysis.deleteMany({ where: { id: { in: ids.slice(10) } } });
    const body = await get(who, `cursor=${encodeURIComponent(third)}`);
    expect({ items: body.items.length, total: body.total, page: body.page, pages: body.pages, next: body.nextCursor }).toEqual({ items: 0, total: 10, page: 2, pages: 2, next: null });
    expect(body.prevCursor).not.toBeNull(); // the rows before it are there
    const page = await html(who, third);
    expect(emptyCell(page)).not.toContain('no analyses yet');
    expect(emptyCell(page)).toContain('Go to the last page');
    expect(footer(page)).toBe('Page 2 of 2 · 10 records');
  });
});
