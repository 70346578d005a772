import type { AnalysisQuery, AnalysisRepository } from '../repositories/analysis.repository';
import { encodeCursor } from './history-cursor';
import { HistoryFilters, MAX_PAGE, Paging } from './history.filters';
import type { HistoryItem } from './history.service';

/** One page of the list and where the walk goes from it (the counts are the service's). */
export interface ListedRows {
  items: HistoryItem[];
  /** the page's number: the offset page, or its place in a cursor walk */
  page: number;
  /** the next (older) page's cursor; null on the last page */
  nextCursor: string | null;
  /** the previous (newer) page's cursor; null on the first page */
  prevCursor: string | null;
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
  const at = (i: HistoryItem) => ({ createdAt: new Date(i.createdAt), id: i.id });
  const last = rows.length ? at(rows[rows.length - 1]) : c;
  const first = rows.length ? at(rows[0]) : c;
  return {
    items: rows,
    page,
    nextCursor: older && last ? encodeCursor({ ...last, direction: 'older', page: Math.min(MAX_PAGE, page + 1), pageSize: size, filters: f }) : null,
    prevCursor: newer && first ? encodeCursor({ ...first, direction: 'newer', page: Math.max(1, page - 1), pageSize: size, filters: f }) : null,
  };
}
