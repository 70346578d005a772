import type { AuthUser } from '../accounts/roles';
import { BadRequestError } from '../common/errors';
import type { HistoryQuery } from './history.dto';

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
  page: number;
  pageSize: number;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const TOKEN_RE = /^[A-Za-z0-9_.\-]{1,64}$/;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** Validates query-string filters; unknown or malformed values are a 400, never passed to SQL. */
export function parseFilters(q: HistoryQuery, viewer: AuthUser): HistoryFilters {
  const f: HistoryFilters = {};
  for (const key of ['from', 'to'] as const) {
    const v = str(q[key]);
    if (v === undefined) continue;
    if (!DATE_RE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) throw new BadRequestError(`"${key}" must be a date YYYY-MM-DD.`);
    f[key] = v;
  }
  const status = str(q.status);
  if (status !== undefined) {
    if (!(STATUSES as readonly string[]).includes(status)) throw new BadRequestError('"status" must be completed, inconclusive or rejected.');
    f.status = status;
  }
  for (const key of ['bodyPart', 'label'] as const) {
    const v = str(q[key]);
    if (v === undefined) continue;
    if (!TOKEN_RE.test(v)) throw new BadRequestError(`"${key}" has an unexpected format.`);
    f[key] = v;
  }
  const user = str(q.user);
  if (user !== undefined && viewer.role === 'admin') f.user = user.toLowerCase().slice(0, 254);
  return f;
}

export function parsePaging(q: HistoryQuery): Paging {
  const page = Math.max(1, Math.min(100_000, Number.parseInt(String(q.page ?? '1'), 10) || 1));
  const pageSize = Math.max(1, Math.min(100, Number.parseInt(String(q.pageSize ?? '25'), 10) || 25));
  return { page, pageSize };
}

/** Query string of the filters (for links to pages, CSV, PDF). */
export function filtersQuery(f: HistoryFilters, extra: Record<string, string | number> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...extra })) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}
