import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../accounts/roles';
import type { AnalysisRecord, AnalysisRecorder } from '../classifier/analysis-result';
import { nextTurn } from '../common/abort';
import { NotFoundError } from '../common/errors';
import { uuidParam } from '../common/zod-dto';
import { AnalysisKind, AnalysisQuery, AnalysisRepository, Tally } from '../repositories/analysis.repository';
import { UserRepository } from '../repositories/user.repository';
import { csvLine } from './csv-writer';
import { HISTORY_CSV_HEADER, historyCsvRow } from './history-csv';
import { ExportAccessCheck, ExportAccessEndedError } from './export-access';
import { cursorsOf, lastPageCursor, listRows, walkPage } from './history-list';
import { HistoryFilters, Paging } from './history.filters';
import { onRecorded, recordingSuppressed } from './recording-context';
import type { RecordedGaps } from '../studies/gap-record';
import type { StudyRule } from '../studies/study-rule';
import type { RecordedWindow } from '../studies/window-record';
import type { RecordedUneven } from '../studies/study-notes-record';
import type { Refusal } from '../validation/refusal-cause';

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
  /**
   * model name → the confidence threshold it decided at, as recorded with the analysis ({} when
   * no model ran); null for a record made before thresholds were stored: not recorded, and never
   * to be shown as today's CONFIDENCE_THRESHOLD
   */
  thresholds: Record<string, number> | null;
  /** set for a DICOM series / NIfTI volume (src/studies): the only study metadata ever stored */
  study: StudySummary | null;
  /** which check refused it and its message's figures, as the answer gave them; null: answered, or not recorded (a row older than the column) */
  refusal: Refusal | null;
}

export interface StudySummary {
  modality: string | null;
  seriesDescription: string | null;
  sliceCount: number | null;
  usableSlices: number | null;
  /** null for a direction the study did not give (e.g. slice: a series without positions) */
  spacing: Record<string, number | null> | null;
  /**
   * STUDY_AGREEMENT and STUDY_MIN_USABLE_SLICES as the study was decided under; null when not
   * recorded (a study stored before they were, or one refused before any slice was analysed) —
   * never today's settings
   */
  rule: StudyRule | null;
  /** slices missing between its positions, the first few named; null: not recorded (never "none missing") */
  gaps: RecordedGaps | null;
  /** a NIfTI's volumes, only the first analysed; null: a DICOM series, or not recorded (older than the column) */
  volumes: number | null;
  /** the window its slices were drawn with, as the live answer's study.windowing; null: not recorded (never "header") */
  windowing: RecordedWindow['windowing'] | null;
  /** the DICOM header window's figures when it was set aside for the percentile window; null otherwise or not recorded */
  headerWindowIgnored: RecordedWindow['headerWindowIgnored'];
  /** steps between its positions unlike the series' spacing, the first few named; null: not known (older than the column, or not looked for) */
  unevenSteps: RecordedUneven | null;
  /** files left out as copies of other slices; null: not known (older than the column, or refused at its files) */
  copiesDropped: number | null;
}

export interface HistoryPage {
  items: HistoryItem[];
  total: number;
  /** the offset page; with a cursor, the page's number in the walk (history-cursor.ts) */
  page: number;
  pageSize: number;
  pages: number;
  /** the next (older) page, keyset; null on the last page */
  nextCursor: string | null;
  /** the previous (newer) page, keyset; null on the first page */
  prevCursor: string | null;
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
  /**
   * Single images only: per stage (decode, triage, diagnosis, total…), over the images among the
   * 5000 most recent matches. Kept under its first name for clients written before studies
   * existed; it used to pool studies in, whose stages cover every slice, which made it meaningless.
   */
  medianTimingsMs: Record<string, number>;
  /** the same medians per kind of analysis, never pooled, with how many analyses each is over */
  medianTimingsByKind: Record<AnalysisKind, KindTimings>;
}

export interface KindTimings {
  /** analyses of this kind among the sample that recorded timings */
  analyses: number;
  /** stage → median ms */
  medianMs: Record<string, number>;
}

const MEDIAN_SAMPLE = 5000;

/** The end of 9999-12-31 UTC: the last day the date filters take (history.filters.ts), the database's DateTime range. */
const LAST_STORABLE_TIME = Date.parse('9999-12-31T23:59:59.999Z');

export function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : Math.round(((v[m - 1] + v[m]) / 2) * 10) / 10;
}

/**
 * Median per stage, per kind. A study's "inference" or "total" covers all of its slices, an
 * image's one: one median over both described neither (a history of mostly images with a few
 * 24-slice studies moved it by whichever happened to be the middle value).
 */
export function kindMedians(rows: { kind: AnalysisKind; timings: Record<string, number> }[]): Record<AnalysisKind, KindTimings> {
  const stages: Record<AnalysisKind, Map<string, number[]>> = { image: new Map(), study: new Map() };
  const analyses: Record<AnalysisKind, number> = { image: 0, study: 0 };
  for (const { kind, timings } of rows) {
    const entries = Object.entries(timings).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]));
    if (!entries.length) continue;
    analyses[kind]++;
    for (const [k, v] of entries) (stages[kind].get(k) ?? stages[kind].set(k, []).get(k)!).push(v);
  }
  const medians = (m: Map<string, number[]>) => Object.fromEntries([...m.entries()].map(([k, v]) => [k, median(v)]));
  return {
    image: { analyses: analyses.image, medianMs: medians(stages.image) },
    study: { analyses: analyses.study, medianMs: medians(stages.study) },
  };
}

/** The repository's key for a row without a body part (the view words it). */
const NO_VALUE = '—';

/**
 * The summary's counts from one tally of (status, anatomy, label, code) groups: per status, per
 * body part (none → '—'), per label (rows without one left out) and per "status: code" of every
 * non-completed row; each list largest first, ties by key.
 */
export function countsOf(tally: Tally[]): Pick<HistorySummary, 'total' | 'byStatus' | 'byBodyPart' | 'byLabel' | 'reasons'> {
  const lists = { byStatus: new Map<string, number>(), byBodyPart: new Map<string, number>(), byLabel: new Map<string, number>(), reasons: new Map<string, number>() };
  const add = (m: Map<string, number>, key: string, n: number) => m.set(key, (m.get(key) ?? 0) + n);
  let total = 0;
  for (const t of tally) {
    total += t.count;
    add(lists.byStatus, t.status, t.count);
    add(lists.byBodyPart, t.anatomy ?? NO_VALUE, t.count);
    if (t.label !== null) add(lists.byLabel, t.label, t.count);
    if (t.status !== 'completed') add(lists.reasons, `${t.status}: ${t.code ?? 'unknown'}`, t.count);
  }
  const sorted = (m: Map<string, number>): Count[] =>
    [...m].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  return { total, byStatus: sorted(lists.byStatus), byBodyPart: sorted(lists.byBodyPart), byLabel: sorted(lists.byLabel), reasons: sorted(lists.reasons) };
}

/**
 * Prediction history: the ANALYSIS_RECORDER the AnalysisService calls once per analysis, and the
 * queries behind the history pages. Every read is scoped by the viewer: a user's queries always
 * carry `userId = me`, so another user's record is simply not found (404), whatever its id.
 */
@Injectable()
export class HistoryService implements AnalysisRecorder {
  constructor(
    private readonly analyses: AnalysisRepository,
    private readonly users: UserRepository,
  ) {}

  /** Resolves to the stored row's id (undefined when recording is suppressed): the page names it when it asks for the report. */
  async record(r: AnalysisRecord): Promise<string | undefined> {
    if (recordingSuppressed()) return undefined;
    return this.analyses.insert(r, undefined, onRecorded());
  }

  /** The rows a viewer may see under these filters; null when the filters cannot match anything. */
  private async query(viewer: AuthUser, f: HistoryFilters): Promise<AnalysisQuery | null> {
    const q: AnalysisQuery = {};
    if (viewer.role !== 'admin') q.userId = viewer.id;
    else if (f.user) {
      const u = await this.users.findByEmail(f.user);
      if (!u) return null;
      q.userId = u.id;
    }
    if (f.from) q.createdFrom = new Date(`${f.from}T00:00:00.000Z`);
    if (f.to) {
      // the day after `to`; after 9999-12-31 there is none a row can reach, and year 10000 was
      // written "+010000-01-01…", which sorts before every stored time: to=9999-12-31 matched nothing
      const end = Date.parse(`${f.to}T00:00:00.000Z`) + 86_400_000;
      if (end <= LAST_STORABLE_TIME) q.createdBefore = new Date(end);
    }
    if (f.status) q.status = f.status;
    if (f.bodyPart) q.anatomy = f.bodyPart;
    if (f.label) q.label = f.label;
    return q;
  }

  async list(viewer: AuthUser, f: HistoryFilters, paging: Paging): Promise<HistoryPage> {
    const q = await this.query(viewer, f);
    if (!q) return { items: [], total: 0, page: paging.page, pageSize: paging.pageSize, pages: 0, nextCursor: null, prevCursor: null };
    // counted per request: with inserts mid-walk `total` grows while the cursors neither repeat nor skip a row
    const [total, rows] = await Promise.all([this.analyses.count(q), listRows(this.analyses, q, f, paging)]);
    const pages = Math.ceil(total / paging.pageSize);
    const page = paging.cursor ? walkPage(rows, pages) : rows.page;
    // every row of the selection gone (deleted, or their account): the empty history, as without a
    // cursor — "page 3 of 0" with a way back to an empty first page helped no one
    if (paging.cursor && total === 0 && rows.items.length === 0) return { items: [], total, page, pageSize: paging.pageSize, pages, nextCursor: null, prevCursor: null };
    const cursors = cursorsOf(rows, page, paging.pageSize, f);
    if (!paging.cursor && rows.items.length === 0 && page > pages) cursors.prevCursor = await lastPageCursor(this.analyses, q, f, pages, paging.pageSize);
    return { items: rows.items, total, page, pageSize: paging.pageSize, pages, ...cursors };
  }

  /** One record the viewer may see; anything else (other user's, unknown id) is a 404. */
  async get(viewer: AuthUser, id: string): Promise<HistoryItem> {
    // an id that is not a row id names none, and is not sent to the database: a report's analysisId
    // is free text (the routes' :id is checked by IdParamDto), and PostgreSQL refused one with a NUL (500)
    const item = uuidParam.safeParse(id).success ? await this.analyses.findOne(id, viewer.role === 'admin' ? {} : { userId: viewer.id }) : null;
    if (!item) throw new NotFoundError('No such analysis in your history.');
    return item;
  }

  /** The viewer's own most recent record of these bytes (the PDF report's proof of analysis). */
  async latestOwnBySha(userId: string, sha256: string): Promise<HistoryItem | null> {
    return this.analyses.latestBySha(userId, sha256);
  }

  async summary(viewer: AuthUser, f: HistoryFilters): Promise<HistorySummary> {
    const q = await this.query(viewer, f);
    if (!q) return { total: 0, byStatus: [], byBodyPart: [], byLabel: [], reasons: [], medianTimingsMs: {}, medianTimingsByKind: kindMedians([]) };
    const byKind = kindMedians(await this.analyses.recentTimings(q, MEDIAN_SAMPLE));
    return { ...countsOf(await this.analyses.tally(q)), medianTimingsMs: byKind.image.medianMs, medianTimingsByKind: byKind };
  }

  /**
   * CSV of every record matching the filters (admins), newest first, as chunks of at most
   * EXPORT_BATCH rows: the export of a large history is streamed with bounded memory, never one
   * string of it all. The first chunk (the header and the first batch) is read before anything
   * is sent, so a database that fails at once is still an error response, not a cut file.
   *
   * The disclaimer is a last column, on every row: a spreadsheet user filters, sorts and copies
   * rows out of the file, and a row that leaves it keeps its warning. A preamble line above the
   * header would do neither and would break every reader that takes line 1 as the column names;
   * as the last column it leaves the other columns where they were. (The response also carries
   * it as a header — history.controller.ts — for an export with no row.)
   */
  async *exportCsv(viewer: AuthUser, f: HistoryFilters, mayGoOn?: ExportAccessCheck): AsyncGenerator<string> {
    const q = await this.query(viewer, f);
    let chunk = csvLine(HISTORY_CSV_HEADER);
    let first = true;
    if (q) {
      for await (const items of this.analyses.batches(q, EXPORT_BATCH)) {
        // each batch after the first, once read and before it is sent: the viewer may still see it
        // (export-access.ts). The first was let in by the guard a moment ago. A no ends the
        // stream as a database error does: thrown, so the transfer is cut, never a file that looks whole
        if (!first && mayGoOn && !(await mayGoOn())) throw new ExportAccessEndedError();
        first = false;
        yield chunk + items.map(historyCsvRow).join('');
        chunk = '';
        // a turn of the event loop between batches: better-sqlite3 answers synchronously and a
        // socket that keeps up accepts each write at once, so the whole export ran as one chain of
        // promise callbacks and no other request — not even /healthz — was served until its end
        // (125 s at 200,000 rows; 5.2 s once the batches were indexed)
        await nextTurn();
      }
    }
    if (chunk) yield chunk;
  }
}

/** Rows per database read (and per chunk written) of the CSV export. */
export const EXPORT_BATCH = 500;
