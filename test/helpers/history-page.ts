/** A page of GET /api/v1/history as the e2e specs read it (the fields they check; items narrowed per spec). */
export interface HistoryApiPage<Item = { id: string }> {
  items: Item[];
  total: number;
  page: number;
  pages: number;
  nextCursor: string | null;
  prevCursor: string | null;
}
