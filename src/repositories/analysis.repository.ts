import { Injectable } from '@nestjs/common';
import type { AnalysisRecord } from '../classifier/analysis-result';
import type { HistoryItem } from '../history/history.service';
import { DbTx, PrismaService } from '../prisma/prisma.service';
import { isStudyRow, parseJson, Row, StudyColumns, toItem, toRow } from './analysis-row';

// the row mapping's names, where callers and tests have always imported them from
export { toItem, toRow } from './analysis-row';
export type { StudyColumns } from './analysis-row';

/** Which history rows a query means, in domain terms (the service decides scoping and filters). */
export interface AnalysisQuery {
  userId?: string;
  createdFrom?: Date;
  createdBefore?: Date;
  status?: string;
  anatomy?: string;
  label?: string;
}

/** How many matching rows share these four values (AnalysisRepository.tally). */
export interface Tally {
  status: string;
  anatomy: string | null;
  label: string | null;
  code: string | null;
  count: number;
}

/** A row's `kind` column as the domain reads it: null is a single image. */
export type AnalysisKind = 'image' | 'study';

const WITH_EMAIL = { user: { select: { email: true } } } as const;
const NEWEST_FIRST = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];
const OLDEST_FIRST = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];

/** A row's place in the list's order (createdAt DESC, id DESC): where a keyset page starts. */
export interface ListPosition {
  createdAt: Date;
  id: string;
}

/**
 * The Analysis table, for single images and studies alike: every query of it. Rows map to and
 * from records through analysis-row.ts (`toRow`, `toItem`), the only copies of the field list.
 */
@Injectable()
export class AnalysisRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * The new row's id. With `then`, the row and whatever `then` writes with its id (through the
   * transaction client it is handed — another table's repository) are one transaction: both are
   * stored or neither (an Idempotency-Key marked answered iff its row exists).
   */
  async insert(record: AnalysisRecord, study?: StudyColumns, then?: (id: string, tx: DbTx) => Promise<void>): Promise<string> {
    // select: the id only — mapping the whole row back cost ~40 % of the insert's CPU
    const data = toRow(record, study);
    if (!then) return (await this.prisma.analysis.create({ data, select: { id: true } })).id;
    return this.prisma.transaction(async (tx) => {
      const { id } = await tx.analysis.create({ data, select: { id: true } });
      await then(id, tx);
      return id;
    });
  }

  /**
   * Matching rows. Without a user or date filter, the sum of the tally's groups: that reads the
   * small (code, status, anatomy, label) index (≈ 20 ms at 200,000 rows), where COUNT(*) walked
   * the (createdAt, id) index or the table (0.07–0.12 s, the event loop held). With one, COUNT(*)
   * is a range of the (userId | createdAt …) index, cheaper than grouping those rows.
   */
  async count(q: AnalysisQuery): Promise<number> {
    if (q.userId !== undefined || q.createdFrom || q.createdBefore) return this.prisma.analysis.count({ where: where(q) });
    return (await this.tally(q)).reduce((n, t) => n + t.count, 0);
  }

  /** Whether any row holds this label: one seek of the label index (the history filter's check). */
  async hasLabel(label: string): Promise<boolean> {
    return (await this.prisma.analysis.findFirst({ where: { label }, select: { id: true } })) !== null;
  }

  /**
   * The distinct labels recorded, up to `max`: one seek of the label index per label (the next one
   * past the last), never a scan — a handful of labels over 200,000 rows; the GROUP BY was 36 ms.
   */
  async labels(max: number): Promise<string[]> {
    const out: string[] = [];
    while (out.length < max) {
      const last = out.at(-1);
      const row: { label: string | null } | null = await this.prisma.analysis.findFirst({
        where: { label: last === undefined ? { not: null } : { gt: last } },
        orderBy: { label: 'asc' },
        select: { label: true },
      });
      if (row?.label == null) break;
      out.push(row.label);
    }
    return out;
  }

  async page(q: AnalysisQuery, skip: number, take: number): Promise<HistoryItem[]> {
    const rows = await this.prisma.analysis.findMany({ where: where(q), include: WITH_EMAIL, orderBy: NEWEST_FIRST, skip, take });
    return rows.map(toItem);
  }

  /**
   * Up to `take` matching rows strictly past `from` in the list's order (`older`: the next page,
   * newest first), or strictly before it (`newer`: the previous page — read oldest first from
   * `from`, the nearest rows, and handed back newest first). Keyset, not OFFSET: a row recorded
   * meanwhile is before the place, so it neither shifts nor repeats a row of the walk; and the
   * range starts in the (… createdAt, id) index at the place instead of counting rows up to it.
   */
  async pageFrom(q: AnalysisQuery, from: ListPosition, direction: 'older' | 'newer', take: number): Promise<HistoryItem[]> {
    const older = direction === 'older';
    // the date filter's bound on the cursor's side goes: the cursor's row is inside the range, so it
    // bounds that side closer, and with two bounds there SQLite may seek by the filter's and read
    // from the range's end down to the cursor
    const inside = (!q.createdFrom || from.createdAt >= q.createdFrom) && (!q.createdBefore || from.createdAt < q.createdBefore);
    const scoped = inside ? (older ? { ...q, createdBefore: undefined } : { ...q, createdFrom: undefined }) : q;
    const rows = await this.prisma.analysis.findMany({
      where: { AND: [where(scoped), older ? keysetBefore(from) : keysetAfter(from)] },
      include: WITH_EMAIL,
      orderBy: older ? NEWEST_FIRST : OLDEST_FIRST,
      take,
    });
    return (older ? rows : rows.reverse()).map(toItem);
  }

  /**
   * Every matching row, newest first, `size` rows at a time (CSV export): one findMany of the
   * whole table held every row of it, mapped, and then the CSV string of them all, in memory at
   * once. Keyset paging on (createdAt, id) — the order itself — so each batch is an indexed
   * range, not an OFFSET that rescans, and rows written meanwhile neither repeat nor shift it.
   */
  async *batches(q: AnalysisQuery, size: number): AsyncGenerator<HistoryItem[]> {
    let after: { createdAt: Date; id: string } | null = null;
    for (;;) {
      const w = where(q);
      const rows: Row[] = await this.prisma.analysis.findMany({
        where: after ? { AND: [w, keysetBefore(after)] } : w,
        include: WITH_EMAIL,
        orderBy: NEWEST_FIRST,
        take: size,
      });
      if (rows.length) yield rows.map(toItem);
      if (rows.length < size) return;
      const last = rows[rows.length - 1];
      after = { createdAt: last.createdAt, id: last.id };
    }
  }

  async findOne(id: string, q: AnalysisQuery = {}): Promise<HistoryItem | null> {
    const row = await this.prisma.analysis.findFirst({ where: { ...where(q), id }, include: WITH_EMAIL });
    return row ? toItem(row) : null;
  }

  /**
   * The user's most recent single-image record of these bytes, else their most recent study
   * record of them. Images first: the same bytes once uploaded to the study endpoint (a JPEG
   * dropped there by mistake is recorded as a refused study) made every later report of that
   * image a false 422 STUDY_HAS_OWN_REPORT although the image had been analysed since.
   */
  async latestBySha(userId: string, sha256: string): Promise<HistoryItem | null> {
    const row =
      (await this.prisma.analysis.findFirst({ where: { userId, sha256, kind: null }, include: WITH_EMAIL, orderBy: NEWEST_FIRST })) ??
      (await this.prisma.analysis.findFirst({ where: { userId, sha256 }, include: WITH_EMAIL, orderBy: NEWEST_FIRST }));
    return row ? toItem(row) : null;
  }

  /**
   * Row counts per (status, anatomy, label, code) of the matching rows: the summary's counts per
   * status, body part, label and reason are all sums over these few groups. One GROUP BY, read
   * from the (status, anatomy, label, code) index when no filter narrows it further — four, one
   * per list, each scanned the whole table (≈ 0.1 s apiece at 200,000 rows, on every page view).
   */
  async tally(q: AnalysisQuery): Promise<Tally[]> {
    const rows = await this.prisma.analysis.groupBy({ by: ['status', 'anatomy', 'label', 'code'], where: where(q), _count: { _all: true } });
    return rows.map((r) => ({ status: r.status, anatomy: r.anatomy, label: r.label, code: r.code, count: r._count._all }));
  }

  /**
   * The timings of at most `take` most recent matches, each with its kind: a study's stages cover
   * all its slices, an image's one, so the two are never pooled (HistoryService.summary).
   */
  async recentTimings(q: AnalysisQuery, take: number): Promise<{ kind: AnalysisKind; timings: Record<string, number> }[]> {
    const rows = await this.prisma.analysis.findMany({ where: where(q), select: { timingsJson: true, kind: true, fileType: true, code: true }, orderBy: { createdAt: 'desc' }, take });
    return rows.map((r) => ({ kind: isStudyRow(r) ? 'study' : 'image', timings: parseJson<Record<string, number>>(r.timingsJson) ?? {} }));
  }
}

/**
 * Rows after `after` in the list's order (createdAt DESC, id DESC). The leading `createdAt <=` is
 * what lets SQLite seek the (createdAt, id) index: the OR alone is not a range, and every batch of
 * a 200,000-row export scanned and sorted the table again from the newest row (0.75 s a batch,
 * 131 s for the whole file, the event loop held for each).
 */
function keysetBefore(after: ListPosition) {
  return {
    createdAt: { lte: after.createdAt },
    OR: [{ createdAt: { lt: after.createdAt } }, { id: { lt: after.id } }],
  };
}

/** Rows before `before` in the list's order (newer ones): keysetBefore's mirror, the same index read forwards. */
function keysetAfter(before: ListPosition) {
  return {
    createdAt: { gte: before.createdAt },
    OR: [{ createdAt: { gt: before.createdAt } }, { id: { gt: before.id } }],
  };
}

function where(q: AnalysisQuery) {
  const createdAt = q.createdFrom || q.createdBefore ? { gte: q.createdFrom, lt: q.createdBefore } : undefined;
  return { userId: q.userId, createdAt, status: q.status, anatomy: q.anatomy, label: q.label };
}
