import { ForbiddenError } from '../accounts/errors';
import type { AuthUser } from '../accounts/roles';
import { BadRequestError, UnknownFilterValueError } from '../common/errors';
import { labelKey } from '../presentation/labels';
import type { HistoryQuery } from './history.dto';
import type { CursorPosition } from './history-cursor';

export const STATUSES = ['completed', 'inconclusive', 'rejected'] as const;

export interface HistoryFilters {
  from?: string;
  to?: string;
  /** user email (admins only) */
  user?: string;
  status?: string;
  bodyPart?: string;
  label?: string;
}

export interface Paging {
  /** the offset page asked for; with a cursor, the page number it leads to in the walk (history-cursor.ts) */
  page: number;
  pageSize: number;
  /** keyset paging: the page starts past this row, not at an offset */
  cursor?: CursorPosition;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const TOKEN_RE = /^[A-Za-z0-9_.\-]{1,64}$/;
const CONTROL_CHARACTER = /\p{Cc}/u;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

export const USER_FILTER_REFUSED =
  'The "user" filter (another user\'s email) is for administrators only: your history holds your own analyses. Send it without "user", or with your own email.';

/**
 * Validates query-string filters; unknown or malformed values are a 400, never passed to SQL. The
 * body part and label are checked for form here; whether any record can hold them is
 * FilterVocabulary's (filter-vocabulary.ts), which needs the loaded models and the database.
 */
export function parseFilters(q: HistoryQuery, viewer: AuthUser): HistoryFilters {
  const f: HistoryFilters = {};
  for (const key of ['from', 'to'] as const) {
    const v = str(q[key]);
    if (v === undefined) continue;
    if (!isCalendarDate(v)) throw new BadRequestError(`"${key}" must be a date YYYY-MM-DD.`);
    f[key] = v;
  }
  // an empty answer would read as "nothing happened then", not as the typo it is
  if (f.from && f.to && f.from > f.to) throw new BadRequestError('"from" is after "to".');
  const status = str(q.status);
  if (status !== undefined) {
    if (!(STATUSES as readonly string[]).includes(status)) throw new UnknownFilterValueError('status', STATUSES, status);
    f.status = status;
  }
  for (const key of ['bodyPart', 'label'] as const) {
    const typed = str(q[key]);
    if (typed === undefined) continue;
    const v = labelKey(typed); // the words the pages show ("No tumour", "Brain") or the key
    if (!TOKEN_RE.test(v)) {
      throw new BadRequestError(`"${key}" must be a ${key === 'label' ? 'label such as glioma or no tumour' : 'body part such as brain or spine'} (letters, digits, spaces, _ . -).`);
    }
    f[key] = v;
  }
  const user = str(q.user)?.toLowerCase();
  if (user !== undefined) {
    // no account's email holds one, and PostgreSQL refuses a NUL in a text value: the lookup was a 500 there
    if (CONTROL_CHARACTER.test(user)) throw new BadRequestError('"user" must be an email address: it holds a control character.');
    if (viewer.role === 'admin') f.user = user.slice(0, 254);
    // a user's filter by someone else was dropped, and the 200 with their own rows could be taken
    // for the other's: refused by name. Their own email selects what they see anyway, so it stands
    // (and is left out of the filters: every query of theirs carries userId = me, links and cursors as before).
    else if (user !== viewer.email.toLowerCase()) throw new ForbiddenError(USER_FILTER_REFUSED);
  }
  return f;
}

/**
 * A date that exists: Date.parse takes "2025-02-31" and rolls it over to 3 March, so the filter
 * meant another day than the one asked for. Years 0001–9999 (the database's DateTime range).
 */
function isCalendarDate(v: string): boolean {
  if (!DATE_RE.test(v) || v.startsWith('0000')) return false;
  const t = Date.parse(`${v}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === v;
}

export const MAX_PAGE = 100_000;
export const MAX_PAGE_SIZE = 100;

/** A whole number within [1, max], written as digits only; absent → the default. */
function bounded(name: string, v: string | undefined, fallback: number, max: number): number {
  const s = str(v);
  if (s === undefined) return fallback;
  const n = /^\d{1,7}$/.test(s) ? Number(s) : NaN;
  if (!(n >= 1 && n <= max)) throw new BadRequestError(`"${name}" must be a whole number from 1 to ${max}.`);
  return n;
}

/**
 * Paging as asked, or a 400: "pageSize=1000" was served 100 rows as if it were "100", so a client
 * stepping through pages by its own size skipped 9 rows in 10; "page=abc" or "page=1.5" was page 1.
 */
export function parsePaging(q: Pick<HistoryQuery, 'page' | 'pageSize'>): Paging {
  return { page: bounded('page', q.page, 1, MAX_PAGE), pageSize: bounded('pageSize', q.pageSize, 25, MAX_PAGE_SIZE) };
}

/** Query string of the filters (for links to pages, CSV, PDF). */
export function filtersQuery(f: HistoryFilters, extra: Record<string, string | number> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...extra })) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}
