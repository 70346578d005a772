import { Injectable } from '@nestjs/common';
import type { AnalysisRecord } from '../classifier/analysis-result';
import type { Count, HistoryItem } from '../history/history.service';
import { PrismaService } from '../prisma/prisma.service';
import { ruleEntries, splitStoredThresholds, StudyRule } from '../studies/study-rule';

/** The study-only columns (src/studies); null / absent for a single image. */
export interface StudyColumns {
  modality: string | null;
  seriesDescription: string | null;
  sliceCount: number | null;
  usableSlices: number | null;
  spacing: Record<string, number | null> | null;
  /** the study decision's settings it was decided under; null when no slice was analysed */
  rule: StudyRule | null;
}

/** Which history rows a query means, in domain terms (the service decides scoping and filters). */
export interface AnalysisQuery {
  userId?: string;
  createdFrom?: Date;
  createdBefore?: Date;
  status?: string;
  anatomy?: string;
  label?: string;
}

export type CountableColumn = 'status' | 'anatomy' | 'label';

/** A row's `kind` column as the domain reads it: null is a single image. */
export type AnalysisKind = 'image' | 'study';

const WITH_EMAIL = { user: { select: { email: true } } } as const;
const NEWEST_FIRST = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

/**
 * The Analysis table, for single images and studies alike: the one place that knows its columns.
 * `toRow` (record → row) and `toItem` (row → item) are the only copies of the field list.
 */
@Injectable()
export class AnalysisRepository {
  constructor(private readonly prisma: PrismaService) {}

  async insert(record: AnalysisRecord, study?: StudyColumns): Promise<string> {
    // select: the id only — mapping the whole row back cost ~40 % of the insert's CPU
    const row = await this.prisma.analysis.create({ data: toRow(record, study), select: { id: true } });
    return row.id;
  }

  count(q: AnalysisQuery): Promise<number> {
    return this.prisma.analysis.count({ where: where(q) });
  }

  async page(q: AnalysisQuery, skip: number, take: number): Promise<HistoryItem[]> {
    const rows = await this.prisma.analysis.findMany({ where: where(q), include: WITH_EMAIL, orderBy: NEWEST_FIRST, skip, take });
    return rows.map(toItem);
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
        where: after ? { AND: [w, { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }] } : w,
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

  /** Row counts per value of one column (null → '—'), largest first. */
  async countBy(column: CountableColumn, q: AnalysisQuery, skipNull = false): Promise<Count[]> {
    const w = where(q);
    const rows = await this.prisma.analysis.groupBy({
      by: [column],
      where: skipNull ? { ...w, [column]: { not: null } } : w,
      _count: { _all: true },
    });
    return sortCounts(rows.map((r) => ({ key: String(r[column] ?? '—'), count: r._count._all })));
  }

  /** "status: code" counts of every non-completed row that the filters select. */
  async countReasons(q: AnalysisQuery): Promise<Count[]> {
    const rows = await this.prisma.analysis.groupBy({
      by: ['status', 'code'],
      // AND, not a spread: `{ ...where(q), status: … }` replaced the Status filter, so "rejected"
      // listed the inconclusive reasons too and "completed" listed every refusal
      where: { AND: [where(q), { status: { not: 'completed' } }] },
      _count: { _all: true },
    });
    return sortCounts(rows.map((r) => ({ key: `${r.status}: ${r.code ?? 'unknown'}`, count: r._count._all })));
  }

  /**
   * The timings of at most `take` most recent matches, each with its kind: a study's stages cover
   * all its slices, an image's one, so the two are never pooled (HistoryService.summary).
   */
  async recentTimings(q: AnalysisQuery, take: number): Promise<{ kind: AnalysisKind; timings: Record<string, number> }[]> {
    const rows = await this.prisma.analysis.findMany({ where: where(q), select: { timingsJson: true, kind: true }, orderBy: { createdAt: 'desc' }, take });
    return rows.map((r) => ({ kind: r.kind === 'study' ? 'study' : 'image', timings: parseJson<Record<string, number>>(r.timingsJson) ?? {} }));
  }
}

function sortCounts(c: Count[]): Count[] {
  return c.sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

function where(q: AnalysisQuery) {
  const createdAt = q.createdFrom || q.createdBefore ? { gte: q.createdFrom, lt: q.createdBefore } : undefined;
  return { userId: q.userId, createdAt, status: q.status, anatomy: q.anatomy, label: q.label };
}

function parseJson<T>(s: string | null): T | null {
  if (!s) return null;
  try {
    return JSON.parse(s) as T;
  } catch {
    return null;
  }
}

const json = (v: object | null | undefined): string | null => (v ? JSON.stringify(v) : null);

/** An AnalysisRecord (+ study columns) as the table's columns: JSON-encoded maps, portable to PostgreSQL. */
export function toRow(r: AnalysisRecord, study?: StudyColumns) {
  return {
    userId: r.userId,
    createdAt: new Date(),
    fileType: r.fileType,
    byteSize: r.byteSize,
    width: r.width,
    height: r.height,
    sha256: r.sha256,
    status: r.status,
    stage: r.stage,
    code: r.code,
    anatomy: r.anatomy,
    anatomyConfidence: r.anatomyConfidence,
    isMri: r.isMri,
    mriConfidence: r.mriConfidence,
    task: r.task,
    label: r.label,
    confidence: r.confidence,
    probabilitiesJson: json(r.probabilities),
    modelVersionsJson: json(r.modelVersions),
    timingsJson: json(r.timingsMs),
    // a study's rule rides in the same map under keys no model name can take (study-rule.ts)
    thresholdsJson: JSON.stringify({ ...r.thresholds, ...ruleEntries(study?.rule) }),
    ...(study
      ? {
          kind: 'study',
          modality: study.modality,
          seriesDescription: study.seriesDescription,
          sliceCount: study.sliceCount,
          usableSlices: study.usableSlices,
          spacingJson: json(study.spacing),
        }
      : {}),
  };
}

type Row = Awaited<ReturnType<PrismaService['analysis']['findFirstOrThrow']>> & { user?: { email: string } | null };

export function toItem(r: Row): HistoryItem {
  // null: a row from before the column (not recorded), never filled in with today's threshold;
  // the study rule likewise null for a row stored before it was
  const { thresholds, rule } = splitStoredThresholds(parseJson(r.thresholdsJson));
  return {
    id: r.id,
    createdAt: r.createdAt.toISOString(),
    userId: r.userId,
    userEmail: r.user?.email ?? null,
    fileType: r.fileType,
    byteSize: r.byteSize,
    width: r.width,
    height: r.height,
    sha256: r.sha256,
    status: r.status,
    stage: r.stage,
    code: r.code,
    anatomy: r.anatomy,
    anatomyConfidence: r.anatomyConfidence,
    isMri: r.isMri,
    mriConfidence: r.mriConfidence,
    task: r.task,
    label: r.label,
    confidence: r.confidence,
    probabilities: parseJson(r.probabilitiesJson),
    modelVersions: parseJson(r.modelVersionsJson),
    timingsMs: parseJson(r.timingsJson),
    thresholds,
    study:
      r.kind === 'study'
        ? {
            modality: r.modality,
            seriesDescription: r.seriesDescription,
            sliceCount: r.sliceCount,
            usableSlices: r.usableSlices,
            spacing: parseJson(r.spacingJson),
            rule,
          }
        : null,
  };
}
