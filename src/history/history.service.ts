import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../accounts/roles';
import type { AnalysisRecord, AnalysisRecorder } from '../classifier/analysis-result';
import { NotFoundError } from '../common/errors';
import { PrismaService } from '../prisma/prisma.service';
import { toCsv } from './csv-writer';
import { HistoryFilters, Paging } from './history.filters';
import { recordingSuppressed } from './recording-context';

/** One history row as the API and views see it (metadata only, JSON columns parsed). */
export interface HistoryItem {
  id: string;
  createdAt: string;
  userId: string | null;
  userEmail: string | null;
  fileType: string | null;
  byteSize: number;
  width: number | null;
  height: number | null;
  sha256: string;
  status: string;
  stage: string | null;
  code: string | null;
  anatomy: string | null;
  anatomyConfidence: number | null;
  isMri: boolean | null;
  mriConfidence: number | null;
  task: string | null;
  label: string | null;
  confidence: number | null;
  probabilities: Record<string, number> | null;
  modelVersions: Record<string, string> | null;
  timingsMs: Record<string, number> | null;
  /** set for a DICOM series / NIfTI volume (src/studies): the only study metadata ever stored */
  study: StudySummary | null;
}

export interface StudySummary {
  modality: string | null;
  seriesDescription: string | null;
  sliceCount: number | null;
  usableSlices: number | null;
  spacing: Record<string, number> | null;
}

export interface HistoryPage {
  items: HistoryItem[];
  total: number;
  page: number;
  pageSize: number;
  pages: number;
}

export interface Count {
  key: string;
  count: number;
}

export interface HistorySummary {
  total: number;
  byStatus: Count[];
  byBodyPart: Count[];
  byLabel: Count[];
  /** status:code of every non-completed analysis (file errors, refusals, inconclusive) */
  reasons: Count[];
  /** per stage (decode, triage, diagnosis, total…), over at most the 5000 most recent matches */
  medianTimingsMs: Record<string, number>;
}

const MEDIAN_SAMPLE = 5000;

type Row = Awaited<ReturnType<PrismaService['analysis']['findFirstOrThrow']>> & { user?: { email: string } | null };

function parseJson<T>(s: string | null): T | null {
  if (!s) return null;
  try {
    return JSON.parse(s) as T;
  } catch {
    return null;
  }
}

export function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : Math.round(((v[m - 1] + v[m]) / 2) * 10) / 10;
}

/**
 * Prediction history: the ANALYSIS_RECORDER the AnalysisService calls once per analysis, and the
 * queries behind the history pages. Every read is scoped by the viewer: a user's queries always
 * carry `userId = me`, so another user's record is simply not found (404), whatever its id.
 */
@Injectable()
export class HistoryService implements AnalysisRecorder {
  constructor(private readonly prisma: PrismaService) {}

  async record(r: AnalysisRecord): Promise<string | undefined> {
    if (recordingSuppressed()) return undefined;
    // select: the id only — the row is not needed back, and mapping all of it cost ~40 % of the insert's CPU
    const row = await this.prisma.analysis.create({ data: analysisRowData(r), select: { id: true } });
    return row.id; // the page names this id when it asks for the report of this result
  }

  /** Prisma where-clause for a viewer and filters; null when the filters cannot match anything. */
  private async where(viewer: AuthUser, f: HistoryFilters): Promise<Record<string, unknown> | null> {
    const w: Record<string, unknown> = {};
    if (viewer.role !== 'admin') w.userId = viewer.id;
    else if (f.user) {
      const u = await this.prisma.user.findUnique({ where: { email: f.user } });
      if (!u) return null;
      w.userId = u.id;
    }
    const createdAt: Record<string, Date> = {};
    if (f.from) createdAt.gte = new Date(`${f.from}T00:00:00.000Z`);
    if (f.to) createdAt.lt = new Date(Date.parse(`${f.to}T00:00:00.000Z`) + 86_400_000);
    if (Object.keys(createdAt).length) w.createdAt = createdAt;
    if (f.status) w.status = f.status;
    if (f.bodyPart) w.anatomy = f.bodyPart;
    if (f.label) w.label = f.label;
    return w;
  }

  async list(viewer: AuthUser, f: HistoryFilters, paging: Paging): Promise<HistoryPage> {
    const where = await this.where(viewer, f);
    if (!where) return { items: [], total: 0, page: paging.page, pageSize: paging.pageSize, pages: 0 };
    const [total, rows] = await Promise.all([
      this.prisma.analysis.count({ where }),
      this.prisma.analysis.findMany({
        where,
        include: { user: { select: { email: true } } },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        skip: (paging.page - 1) * paging.pageSize,
        take: paging.pageSize,
      }),
    ]);
    return { items: rows.map(toItem), total, page: paging.page, pageSize: paging.pageSize, pages: Math.ceil(total / paging.pageSize) };
  }

  /** One record the viewer may see; anything else (other user's, unknown id) is a 404. */
  async get(viewer: AuthUser, id: string): Promise<HistoryItem> {
    const where = viewer.role === 'admin' ? { id } : { id, userId: viewer.id };
    const row = await this.prisma.analysis.findFirst({ where, include: { user: { select: { email: true } } } });
    if (!row) throw new NotFoundError('No such analysis in your history.');
    return toItem(row);
  }

  /** The viewer's own most recent record of these bytes (the PDF report's proof of analysis). */
  async latestOwnBySha(userId: string, sha256: string): Promise<HistoryItem | null> {
    const row = await this.prisma.analysis.findFirst({
      where: { userId, sha256 },
      include: { user: { select: { email: true } } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    return row ? toItem(row) : null;
  }

  async summary(viewer: AuthUser, f: HistoryFilters): Promise<HistorySummary> {
    const where = await this.where(viewer, f);
    const empty: HistorySummary = { total: 0, byStatus: [], byBodyPart: [], byLabel: [], reasons: [], medianTimingsMs: {} };
    if (!where) return empty;
    const group = async (by: 'status' | 'anatomy' | 'label', extra: Record<string, unknown> = {}): Promise<Count[]> => {
      const rows = await this.prisma.analysis.groupBy({ by: [by], where: { ...where, ...extra }, _count: { _all: true } });
      return rows
        .map((r) => ({ key: String((r as Record<string, unknown>)[by] ?? '—'), count: r._count._all }))
        .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
    };
    const reasonsRaw = await this.prisma.analysis.groupBy({
      by: ['status', 'code'],
      where: { ...where, status: { not: 'completed' } },
      _count: { _all: true },
    });
    const timings = await this.prisma.analysis.findMany({
      where,
      select: { timingsJson: true },
      orderBy: { createdAt: 'desc' },
      take: MEDIAN_SAMPLE,
    });
    const perStage = new Map<string, number[]>();
    for (const t of timings) {
      const obj = parseJson<Record<string, number>>(t.timingsJson);
      for (const [k, v] of Object.entries(obj ?? {})) if (typeof v === 'number') (perStage.get(k) ?? perStage.set(k, []).get(k)!).push(v);
    }
    const byStatus = await group('status');
    return {
      total: byStatus.reduce((s, c) => s + c.count, 0),
      byStatus,
      byBodyPart: await group('anatomy'),
      byLabel: await group('label', { label: { not: null } }),
      reasons: reasonsRaw
        .map((r) => ({ key: `${r.status}: ${r.code ?? 'unknown'}`, count: r._count._all }))
        .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key)),
      medianTimingsMs: Object.fromEntries([...perStage.entries()].map(([k, v]) => [k, median(v)])),
    };
  }

  /** CSV of every record matching the filters (admins), newest first. */
  async exportCsv(viewer: AuthUser, f: HistoryFilters): Promise<string> {
    const where = await this.where(viewer, f);
    const rows = where
      ? await this.prisma.analysis.findMany({ where, include: { user: { select: { email: true } } }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] })
      : [];
    const header = [
      'id', 'createdAt', 'user', 'status', 'stage', 'code', 'fileType', 'byteSize', 'width', 'height', 'sha256',
      'bodyPart', 'bodyPartConfidence', 'isMri', 'mriConfidence', 'task', 'label', 'confidence',
      'probabilities', 'modelVersions', 'timingsMs',
    ];
    const items = rows.map(toItem);
    return toCsv(
      header,
      items.map((i) => [
        i.id, i.createdAt, i.userEmail, i.status, i.stage, i.code, i.fileType, i.byteSize, i.width, i.height, i.sha256,
        i.anatomy, i.anatomyConfidence, i.isMri, i.mriConfidence, i.task, i.label, i.confidence,
        i.probabilities ? JSON.stringify(i.probabilities) : null,
        i.modelVersions ? JSON.stringify(i.modelVersions) : null,
        i.timingsMs ? JSON.stringify(i.timingsMs) : null,
      ]),
    );
  }
}

/** An AnalysisRecord as the Analysis table's columns (JSON-encoded maps; portable to PostgreSQL). */
export function analysisRowData(r: AnalysisRecord) {
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
    probabilitiesJson: r.probabilities ? JSON.stringify(r.probabilities) : null,
    modelVersionsJson: r.modelVersions ? JSON.stringify(r.modelVersions) : null,
    timingsJson: r.timingsMs ? JSON.stringify(r.timingsMs) : null,
  };
}

function toItem(r: Row): HistoryItem {
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
    study:
      r.kind === 'study'
        ? {
            modality: r.modality,
            seriesDescription: r.seriesDescription,
            sliceCount: r.sliceCount,
            usableSlices: r.usableSlices,
            spacing: parseJson(r.spacingJson),
          }
        : null,
  };
}
