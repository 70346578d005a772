import type { AnalysisQuery, AnalysisRepository } from '../repositories/analysis.repository';
import { CursorPayload, encodeCursor } from './history-cursor';
import { HistoryFilters, MAX_PAGE, Paging } from './history.filters';
import type { HistoryItem } from './history.service';

/** A row's place in the list's order: where a cursor starts. */
type Place = Pick<CursorPayload, 'createdAt' | 'id'>;

/** One page of the list and where the walk goes from it (the counts, and so the cursors, are the service's). */
export interface ListedRows {
  items: HistoryItem[];
  /** the page's number: the offset page, or its place in a cursor walk (before the service keeps it within the count) */
  page: number;
  /** the last row's place when there is an older page; null on the last page */
  older: Place | null;
  /** the first row's place when there is a newer page; null on the first page */
  newer: Place | null;
}

/**
 * The rows of one page, offset or keyset (history-cursor.ts), and the cursors on from it. Each
 * read asks for one row more than the page: whether it came is whether there is a next page,
 * so the last page has no nextCursor (a client stops on null, not on an empty page).
 */
export async function listRows(analyses: AnalysisRepository, q: AnalysisQuery, f: HistoryFilters, paging: Paging): Promise<ListedRows> {
  const size = paging.pageSize;
  const c = paging.cursor;
  let rows: HistoryItem[];
  let page = paging.page;
  let older: boolean;
  let newer: boolean;
  if (c && c.direction === 'newer') {
    // newest first, the extra row (if any) the newest: there is a page before this one
    rows = await analyses.pageFrom(q, c, 'newer', size + 1);
    if (rows.length > size) {
      rows = rows.slice(1);
      older = newer = true;
      page = Math.max(2, page);
    } else {
      // back at the top: the first page as it is now, full, rather than the few rows above the place
      rows = await analyses.page(q, 0, size + 1);
      page = 1;
      older = rows.length > size;
      newer = false;
    }
  } else {
    rows = c ? await analyses.pageFrom(q, c, 'older', size + 1) : await analyses.page(q, (page - 1) * size, size + 1);
    older = rows.length > size;
    newer = page > 1;
  }
  rows = rows.slice(0, size);
  const at = (i: HistoryItem): Place => ({ createdAt: new Date(i.createdAt), id: i.id });
  const last = rows.length ? at(rows[rows.length - 1]) : c;
  const first = rows.length ? at(rows[0]) : c;
  return { items: rows, page, older: (older && last) || null, newer: (newer && first) || null };
}

/**
 * The page's cursors, numbered from `page` — the number the service settled on with the count, so
 * a walk that was renumbered (rows gone, another size) goes on from the number it showed.
 */
export function cursorsOf(rows: ListedRows, page: number, size: number, f: HistoryFilters): { nextCursor: string | null; prevCursor: string | null } {
  return {
    nextCursor: rows.older ? encodeCursor({ ...rows.older, direction: 'older', page: Math.min(MAX_PAGE, page + 1), pageSize: size, filters: f }) : null,
    prevCursor: rows.newer ? encodeCursor({ ...rows.newer, direction: 'newer', page: Math.max(1, page - 1), pageSize: size, filters: f }) : null,
  };
}

/**
 * A cursor page's number: a walk's page is counted, not placed, so after rows went or the page size
 * changed it can pass the count, and "page 4 of 2" helps no one — kept within the pages there are
 * (page 1 when there are none). An offset page past the last stays as asked (it is empty, and says so).
 */
export function walkPage(rows: ListedRows, pages: number): number {
  return Math.max(1, Math.min(rows.page, pages));
}

/**
 * The prevCursor of an offset page past the last (`page=7` of 3): it was null, which the README and
 * the OpenAPI document keep for the first page, so a client had no link back (and one stopping on
 * null took the history for empty). It leads to the last page, exactly that page's rows: `older`
 * from the last row of the page before it; with one page, `newer` from its first row, which
 * answers the first page as it is now. Null when there is no row (none, or gone since the count).
 */
export async function lastPageCursor(analyses: AnalysisRepository, q: AnalysisQuery, f: HistoryFilters, pages: number, size: number): Promise<string | null> {
  if (pages < 1) return null;
  const [row] = await analyses.page(q, pages > 1 ? (pages - 1) * size - 1 : 0, 1);
  if (!row) return null;
  const place = { createdAt: new Date(row.createdAt), id: row.id, pageSize: size, filters: f };
  return encodeCursor(pages > 1 ? { ...place, direction: 'older', page: pages } : { ...place, direction: 'newer', page: 1 });
}
