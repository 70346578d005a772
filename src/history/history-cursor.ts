import { createHash } from 'node:crypto';
import type { AuthUser } from '../accounts/roles';
import { BadRequestError, CursorFiltersMismatchError, InvalidCursorError, UnknownFilterValueError } from '../common/errors';
import type { HistoryQuery } from './history.dto';
import { HistoryFilters, MAX_PAGE, MAX_PAGE_SIZE, Paging, parseFilters, parsePaging } from './history.filters';

/**
 * Keyset ("cursor") paging of the history: a cursor names a row's place in the list's order
 * (createdAt DESC, id DESC) and the page after it is the rows strictly past that place, so an
 * analysis recorded while someone walks the pages neither repeats nor hides a row, as an OFFSET
 * did (the new row shifted every later one by one place).
 *
 * A cursor carries the filters of the request that made it: `?cursor=…` alone goes on with them,
 * and filters sent beside it must be the same (else CURSOR_FILTERS_MISMATCH — its place is only
 * "after" within that selection). It is base64url JSON with a check digest: a cursor cut short or
 * edited is INVALID_CURSOR, never a 500. The digest has no key, so it is not a secret nor a
 * permission: someone who rebuilds a valid one still gets only rows the viewer may see (scoping
 * is the service's, and the carried filters are validated again for the viewer, like a query's).
 */

/** The place a page starts from, and which way it goes from there. */
export interface CursorPosition {
  createdAt: Date;
  id: string;
  /** older: the next page (rows after it, newest first); newer: the previous page (rows before it) */
  direction: 'older' | 'newer';
}

/** What a cursor holds: the place, the page number it leads to in the walk, the page size and the filters. */
export interface CursorPayload extends CursorPosition {
  page: number;
  pageSize: number;
  filters: HistoryFilters;
}

/** A list request as parsed: offset paging (`page`), or a cursor's place with the cursor's filters. */
export interface Listing {
  filters: HistoryFilters;
  paging: Paging;
}

const VERSION = 1;
/** Far more than a cursor with every filter at its longest (≈ 900 characters). */
export const MAX_CURSOR_LENGTH = 2048;
const DIGEST_BYTES = 9;
const FILTER_KEYS = ['from', 'to', 'user', 'status', 'bodyPart', 'label'] as const;
const ID_RE = /^[0-9A-Za-z-]{1,64}$/;

function digest(body: string): string {
  return createHash('sha256').update(`history-cursor:${body}`).digest().subarray(0, DIGEST_BYTES).toString('base64url');
}

/** The filters with their keys in one order and the empty ones left out: two equal selections, one string. */
function canonical(f: HistoryFilters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of FILTER_KEYS) if (f[k] !== undefined && f[k] !== '') out[k] = f[k];
  return out;
}

export function encodeCursor(c: CursorPayload): string {
  const body = Buffer.from(
    JSON.stringify({ v: VERSION, d: c.direction === 'older' ? 'o' : 'n', t: c.createdAt.toISOString(), i: c.id, p: c.page, s: c.pageSize, f: canonical(c.filters) }),
  ).toString('base64url');
  return `${body}.${digest(body)}`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const whole = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max;

/**
 * The cursor's payload, its filters still as sent (parseListing validates them for the viewer);
 * anything else — not ours, cut short, edited, another version — is INVALID_CURSOR.
 */
export function decodeCursor(cursor: string): CursorPayload {
  if (cursor.length > MAX_CURSOR_LENGTH) throw new InvalidCursorError();
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(cursor);
  if (!m || m[2] !== digest(m[1])) throw new InvalidCursorError();
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!isRecord(raw) || raw.v !== VERSION || (raw.d !== 'o' && raw.d !== 'n') || typeof raw.t !== 'string' || typeof raw.i !== 'string') throw new InvalidCursorError();
  const createdAt = new Date(raw.t);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== raw.t || !ID_RE.test(raw.i)) throw new InvalidCursorError();
  if (!whole(raw.p, MAX_PAGE) || !whole(raw.s, MAX_PAGE_SIZE) || !isRecord(raw.f)) throw new InvalidCursorError();
  const filters: HistoryFilters = {};
  for (const [k, v] of Object.entries(raw.f)) {
    if (!(FILTER_KEYS as readonly string[]).includes(k) || typeof v !== 'string') throw new InvalidCursorError();
    filters[k as (typeof FILTER_KEYS)[number]] = v;
  }
  return { direction: raw.d === 'o' ? 'older' : 'newer', createdAt, id: raw.i, page: raw.p, pageSize: raw.s, filters };
}

/**
 * Filters and paging of a list request (API and page). Without `cursor`: the query's filters and
 * offset `page`, as before. With it: the cursor's filters — those sent beside it must be the same
 * — and its place; `page` beside it is a 400 (two positions), `pageSize` beside it is taken (a
 * keyset step has no fixed page grid, so another size neither skips nor repeats a row).
 */
export function parseListing(q: HistoryQuery, viewer: AuthUser): Listing {
  const given = parseFilters(q, viewer);
  const sent = q.cursor?.trim();
  if (!sent) return { filters: given, paging: parsePaging(q) };
  if (q.page !== undefined && q.page.trim() !== '') throw new BadRequestError('"page" and "cursor" cannot be sent together: the cursor already says where the page starts.');
  const c = decodeCursor(sent);
  // the carried filters as a query's, for this viewer: a date that does not exist, or a user
  // filter in a non-admin's hands, is what it would be in the query string
  let filters: HistoryFilters;
  try {
    filters = parseFilters(c.filters, viewer);
  } catch (err) {
    if (err instanceof BadRequestError || err instanceof UnknownFilterValueError) throw new InvalidCursorError();
    throw err;
  }
  const givenKeys = canonical(given);
  if (Object.keys(givenKeys).length > 0 && JSON.stringify(givenKeys) !== JSON.stringify(canonical(filters))) throw new CursorFiltersMismatchError();
  const pageSize = q.pageSize !== undefined && q.pageSize.trim() !== '' ? parsePaging({ pageSize: q.pageSize }).pageSize : c.pageSize;
  return { filters, paging: { page: pageNumberAt(c, pageSize), pageSize, cursor: { createdAt: c.createdAt, id: c.id, direction: c.direction } } };
}

/**
 * The page's number in the walk at `size`. A cursor counts pages of its own size; at another size
 * that count named a place the new pages never reach (6 rows read 2 a page, the other 10 at 10 a
 * page answered "page 4 of 2"). The rows before the page, as the walk counted them, over the new
 * size, partly filled pages counted whole; the service keeps it within `pages`.
 */
function pageNumberAt(c: CursorPayload, size: number): number {
  if (size === c.pageSize) return c.page;
  // older: the rows of the pages before this one; newer: those before the page that made the cursor, less this page's
  const before = c.direction === 'older' ? (c.page - 1) * c.pageSize : Math.max(0, c.page * c.pageSize - size);
  return Math.min(MAX_PAGE, Math.ceil(before / size) + 1);
}

/**
 * Filters of the summary and the CSV export, which have no pages: a `cursor`, `page` or `pageSize`
 * there is a 400, not dropped — a client passing the list's cursor would take the answer for that
 * selection's while the query's own filters (maybe none) were used, and one asking the export for
 * `page=2` took every matching record for that page (page and pageSize were dropped until then).
 */
export function parseFiltersOnly(q: HistoryQuery, viewer: AuthUser): HistoryFilters {
  for (const name of ['cursor', 'page', 'pageSize'] as const) {
    const v = q[name];
    if (v !== undefined && v.trim() !== '') {
      throw new BadRequestError(`"${name}" pages the list (GET /api/v1/history) only: the summary and the export cover every matching record; send the filters themselves here.`);
    }
  }
  return parseFilters(q, viewer);
}
