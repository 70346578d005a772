import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { BODY_LABELS } from '../validation/triage-decision';
import { MAX_CURSOR_LENGTH } from './history-cursor';
import { MAX_PAGE, MAX_PAGE_SIZE, STATUSES } from './history.filters';

/**
 * What the history routes' query parameters take, as the OpenAPI document says it (history.controller.ts):
 * the filters (list, summary, export) and the list's paging.
 */
export const FILTER_QUERIES = ['from', 'to', 'user', 'status', 'bodyPart', 'label'] as const;
const USER_FILTER_DOC = 'user email (admins only): a non-admin naming anyone but themselves is a 403 FORBIDDEN, never answered with their own rows';
export const USER_FILTER_403 = 'FORBIDDEN: a non-admin\'s `user` filter naming another user (their own email is taken, and changes nothing)';
export const UNKNOWN_VALUE_400 =
  'UNKNOWN_FILTER_VALUE: a `status`, `bodyPart` or `label` that no record can hold (the message lists the accepted values: the loaded models\' and every one recorded, older model versions\' included)';
/** What each filter takes, as the OpenAPI document says it (the closed sets: FilterVocabulary, parseFilters). */
const FILTER_DOCS: Record<(typeof FILTER_QUERIES)[number], string> = {
  from: 'YYYY-MM-DD (inclusive)',
  to: 'YYYY-MM-DD (inclusive)',
  user: USER_FILTER_DOC,
  status: `${STATUSES.join(', ')}; anything else is a 400 UNKNOWN_FILTER_VALUE`,
  bodyPart: `${BODY_LABELS.join(', ')} (or the words the pages show: "Other MRI"); anything else is a 400 UNKNOWN_FILTER_VALUE`,
  label:
    'a label of a loaded diagnosis model (its card: /models) or one an older model version recorded (glioma_tumor…), as the key or the words ' +
    'the pages show ("No tumour"); a label no record can hold is a 400 UNKNOWN_FILTER_VALUE listing those accepted',
};
export const ApiFilters = () => (target: object, key: string | symbol, desc: PropertyDescriptor) => {
  for (const name of FILTER_QUERIES) ApiQuery({ name, required: false, description: FILTER_DOCS[name] })(target, key, desc);
};

/**
 * The list's `page`, `pageSize` and `cursor`. The schemas are what parsePaging and decodeCursor take
 * (the query DTO parses text, the cursor up to 16 KiB, so that those two name the refusal): the
 * DTO's own said any 16 characters for a page and 16,384 for a cursor, where any cursor over
 * MAX_CURSOR_LENGTH is a 400 INVALID_CURSOR.
 */
export const ApiPaging = () =>
  applyDecorators(
    ApiQuery({ name: 'page', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE }, description: '1–100000, default 1 (anything else is a 400); offset paging, not with `cursor`' }),
    ApiQuery({ name: 'pageSize', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE }, description: '1–100, default 25 (anything else is a 400); with `cursor`, default the size the cursor was made with' }),
    ApiQuery({ name: 'cursor', required: false, schema: { type: 'string', maxLength: MAX_CURSOR_LENGTH }, description: 'a `nextCursor` or `prevCursor` of an earlier answer, as given (opaque)' }),
  );
