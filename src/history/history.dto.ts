import { z } from 'zod';
import { text, ZodDto } from '../common/zod-dto';

/**
 * History filters and paging as they arrive in the query string: each a single text value (a
 * repeated or nested parameter is a 400); their formats are checked by parseFilters/parsePaging.
 * Any other parameter is a 400 too (strict): `?bodypart=knee` or `?status[]=rejected` was dropped,
 * and the list, the summary and the CSV export answered 200 with every row, unfiltered.
 */
export const historyQuerySchema = z.strictObject({
  from: text(32).optional(),
  to: text(32).optional(),
  user: text(320).optional(),
  status: text(32).optional(),
  bodyPart: text(128).optional(),
  label: text(128).optional(),
  page: text(16).optional(),
  pageSize: text(16).optional(),
  // checked by decodeCursor, which names a cursor too long as INVALID_CURSOR (history-cursor.ts)
  cursor: text(16_384).optional(),
});
export type HistoryQuery = z.output<typeof historyQuerySchema>;

export class HistoryQueryDto extends ZodDto(historyQuerySchema) {}

/** The summary's and the CSV export's query: parsed alike, their paging refused by name (parseFiltersOnly), so not documented. */
export class HistoryFiltersQueryDto extends ZodDto(historyQuerySchema, ['page', 'pageSize', 'cursor']) {}
