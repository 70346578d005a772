/**
 * History cursors (keyset paging): what a cursor carries comes back as it went in; one cut
 * short, edited or not ours is INVALID_CURSOR (a 400, never a 500); one beside other filters
 * is CURSOR_FILTERS_MISMATCH; `page` beside it is a 400. The walk itself: history-cursor e2e.
 */
import { createHash } from 'node:crypto';
import { ForbiddenError } from '../../src/accounts/errors';
import { BadRequestError, CursorFiltersMismatchError, InvalidCursorError } from '../../src/common/errors';
import { CursorPayload, decodeCursor, encodeCursor, MAX_CURSOR_LENGTH, parseFiltersOnly, parseListing } from '../../src/history/history-cursor';

const admin = { id: 'a', email: 'a@x', role: 'admin' as const, mustChangePassword: false };
const alice = { id: 'u', email: 'u@x', role: 'user' as const, mustChangePassword: false };

const payload: CursorPayload = {
  createdAt: new Date('2026-03-04T05:06:07.089Z'),
  id: '0b7c6f0e-3d1e-4c1a-9a55-5f2f0d6c1e2a',
  direction: 'older',
  page: 3,
  pageSize: 10,
  filters: { from: '2026-01-01', to: '2026-12-31', user: 'bob@example.test', status: 'completed', bodyPart: 'brain', label: 'glioma' },
};

/** A cursor of any JSON body with a digest that matches (what someone who read the scheme could build). */
function rebuilt(body: unknown): string {
  const b = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${b}.${createHash('sha256').update(`history-cursor:${b}`).digest().subarray(0, 9).toString('base64url')}`;
}
const bodyOf = (cursor: string) => JSON.parse(Buffer.from(cursor.split('.')[0], 'base64url').toString('utf8')) as Record<string, unknown>;

describe('history cursor: encode and decode', () => {
  it('gives back the place, direction, page, size and filters it was made with; it is URL-safe', () => {
    const c = encodeCursor(payload);
    expect(c).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c)).toEqual(payload);
    expect(decodeCursor(encodeCursor({ ...payload, direction: 'newer', filters: {} }))).toEqual({ ...payload, direction: 'newer', filters: {} });
    // every filter at its longest still fits well under the limit
    const longest = encodeCursor({ ...payload, filters: { ...payload.filters, user: 'u'.repeat(254), bodyPart: 'b'.repeat(64), label: 'l'.repeat(64) } });
    expect(longest.length).toBeLessThan(MAX_CURSOR_LENGTH / 2);
  });

  it('refuses, as INVALID_CURSOR, a cursor cut short, with a character changed, or that is not one', () => {
    const c = encodeCursor(payload);
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const bad = [
      c.slice(0, -1),
      c.slice(0, c.indexOf('.')),
      c.slice(1),
      flip(c, 5),
      flip(c, c.length - 2),
      `${c}.x`,
      '',
      'abc',
      'not a cursor',
      '..',
      c.replace('.', '!'),
      'x'.repeat(MAX_CURSOR_LENGTH + 1),
    ];
    for (const s of bad) {
      expect(() => decodeCursor(s)).toThrow(InvalidCursorError);
    }
    try {
      decodeCursor(flip(c, 5));
    } catch (err) {
      expect(err).toMatchObject({ code: 'INVALID_CURSOR', statusCode: 400 });
    }
  });

  it('refuses a rebuilt cursor whose digest matches but whose content is not a cursor of this version', () => {
    const good = bodyOf(encodeCursor(payload));
    expect(decodeCursor(rebuilt(good))).toEqual(payload); // the scheme as the test reads it
    for (const body of [
      { ...good, v: 2 },
      { ...good, d: 'x' },
      { ...good, t: '2026-02-30T00:00:00.000Z' },
      { ...good, t: '2026-03-04' },
      { ...good, t: 5 },
      { ...good, i: "x' OR 1=1 --" },
      { ...good, i: '' },
      { ...good, p: 0 },
      { ...good, p: 1.5 },
      { ...good, s: 1000 },
      { ...good, f: { ...(good.f as object), sql: 'x' } },
      { ...good, f: { status: 5 } },
      { ...good, f: [] },
      [good],
      null,
      'string',
    ]) {
      expect(() => decodeCursor(rebuilt(body))).toThrow(InvalidCursorError);
    }
  });
});

describe('history cursor: parseListing', () => {
  const cursor = encodeCursor(payload);

  it('without a cursor: the query filters and offset page, as before', () => {
    expect(parseListing({ status: 'rejected', page: '2', pageSize: '5' }, admin)).toEqual({ filters: { status: 'rejected' }, paging: { page: 2, pageSize: 5 } });
  });

  it("a cursor alone goes on with its own filters, page number and size", () => {
    const { filters, paging } = parseListing({ cursor }, admin);
    expect(filters).toEqual(payload.filters);
    expect(paging).toEqual({ page: 3, pageSize: 10, cursor: { createdAt: payload.createdAt, id: payload.id, direction: 'older' } });
  });

  it('takes the same filters beside it, as the page words them too ("Brain", "Glioma"), and another pageSize', () => {
    const q = { cursor, from: '2026-01-01', to: '2026-12-31', user: 'BOB@example.test', status: 'completed', bodyPart: 'Brain', label: 'Glioma', pageSize: '20' };
    expect(parseListing(q, admin).paging.pageSize).toBe(20);
  });

  it('other filters beside it are CURSOR_FILTERS_MISMATCH, one more or one less included', () => {
    for (const q of [
      { cursor, status: 'rejected' },
      { cursor, from: '2026-01-01', to: '2026-12-31', user: 'bob@example.test', status: 'completed', bodyPart: 'brain' },
      { cursor: encodeCursor({ ...payload, filters: {} }), label: 'glioma' },
    ]) {
      expect(() => parseListing(q, admin)).toThrow(CursorFiltersMismatchError);
    }
  });

  it('page beside a cursor is a 400 BAD_REQUEST; a bad pageSize beside it is the usual 400', () => {
    expect(() => parseListing({ cursor, page: '2' }, admin)).toThrow(BadRequestError);
    expect(() => parseListing({ cursor, page: '2' }, admin)).toThrow(/"page" and "cursor"/);
    expect(() => parseListing({ cursor, pageSize: '1000' }, admin)).toThrow(/"pageSize" must be/);
  });

  it("the carried filters are checked for the viewer: a user filter is an admin's only, a rebuilt bad date is INVALID_CURSOR", () => {
    // an admin's cursor filtering by another user, in a non-admin's hands (a shared link, a demoted
    // admin): refused as the same filter in the query string is (403), no longer dropped to their own rows
    expect(() => parseListing({ cursor }, alice)).toThrow(ForbiddenError);
    expect(parseListing({ cursor }, { ...alice, email: 'Bob@Example.test' }).filters).not.toHaveProperty('user'); // bob's own: as before
    const body = bodyOf(cursor);
    expect(() => parseListing({ cursor: rebuilt({ ...body, f: { from: '2025-02-31' } }) }, admin)).toThrow(InvalidCursorError);
    expect(() => parseListing({ cursor: rebuilt({ ...body, f: { from: '2026-05-01', to: '2026-01-01' } }) }, admin)).toThrow(InvalidCursorError);
    expect(() => parseListing({ cursor: rebuilt({ ...body, f: { status: 'deleted' } }) }, admin)).toThrow(InvalidCursorError);
  });
});

// The summary and the CSV export have no pages. `cursor` was refused there, but `page=2` or `pageSize=1000` answered
// 200 with every matching record (the OpenAPI document's 400 even named pageSize=1000): a client asking the export for
// "page 2" took the whole file for it.
describe('filters of the summary and the export', () => {
  it('take the filters and refuse every paging parameter by name, as a 400', () => {
    expect(parseFiltersOnly({ status: 'completed' }, admin)).toEqual({ status: 'completed' });
    for (const [name, value] of [['cursor', 'abc'], ['page', '2'], ['pageSize', '1000'], ['page', 'abc']] as const) {
      expect(() => parseFiltersOnly({ [name]: value }, admin)).toThrow(BadRequestError);
      expect(() => parseFiltersOnly({ [name]: value }, admin)).toThrow(`"${name}" pages the list (GET /api/v1/history) only`);
    }
    expect(parseFiltersOnly({ page: '', pageSize: ' ', cursor: '' }, admin)).toEqual({}); // empty: not sent, as a form leaves it
  });
});
