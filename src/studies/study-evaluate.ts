import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCsvTable } from '../common/csv';
import { decisionFields } from '../classifier/analysis-result';
import { DomainError } from '../common/errors';
import { LabelAgreement, labelAgreement, ModelClasses } from '../cli/evaluate-lib';
import type { StudyService } from './study.service';
import type { Refusal } from '../validation/refusal-cause';

/** One line of `npm run evaluate -- --studies DIR` (metadata and the answer only). */
export interface StudyEvalLine {
  path: string;
  status: string;
  stage?: string | null;
  code: string | null;
  message: string;
  isMri?: boolean | null;
  mriConfidence?: number | null;
  anatomy?: string | null;
  anatomyConfidence?: number | null;
  task?: string | null;
  label?: string | null;
  confidence?: number | null;
  /**
   * the decision's figures as the API answer and the record give them: the line had the label and
   * its confidence only, so the CLI could not be compared with them on the probabilities or the
   * threshold that decided
   */
  probabilities?: Record<string, number>;
  modelVersions?: Record<string, string>;
  thresholds?: Record<string, number>;
  /** which check refused it and the figures its message was written from, as the API answer gives it (an image's line has it too); null: answered */
  refusal?: Refusal | null;
  format?: string;
  sliceCount?: number;
  usableSlices?: number | null;
  sliceLabels?: Record<string, number>;
  totalMs?: number;
  /** with --labels */
  expected?: string;
}

/** One study of `--studies DIR`; `problem`: why it has no file to read (a broken link); `unreadable`: a folder of it that could not be listed. */
export interface StudyEntry {
  rel: string;
  files: string[];
  problem?: string;
  unreadable?: string;
}

const STUDY_FILE = /\.(nii|nii\.gz|zip|dcm|dicom|ima)$/i;

/** How a link's target is looked at (fs.statSync; a test hands in one that fails as for another user). */
type Stat = (p: string) => fs.Stats;

/**
 * The studies in a folder: every sub-folder is one DICOM series (all its files, recursively,
 * hidden files skipped); every .nii / .nii.gz / .zip / .dcm file directly inside is one study.
 * A sub-folder without a file is listed too (it gets an EMPTY_FOLDER line): it was left out
 * without a word, one study fewer in the summary than folders on disk.
 */
export function listStudies(dir: string, stat: Stat = fs.statSync): StudyEntry[] {
  const out: StudyEntry[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    // A link is followed (a study linked in from elsewhere was skipped without a word, one study fewer in the count
    // than names on disk); a link that cannot be followed gets a line of its own saying why.
    const kind = e.isSymbolicLink() ? linkKind(full, stat) : e.isDirectory() ? 'dir' : e.isFile() ? 'file' : 'other';
    if (kind === 'dir') {
      out.push(series(e.name, full, stat));
    } else if (kind === 'file' && STUDY_FILE.test(e.name)) {
      out.push({ rel: e.name, files: [full] });
    } else if (typeof kind === 'object' && (STUDY_FILE.test(e.name) || !path.extname(e.name))) {
      // named as a study file, or without an extension (a series folder's link): what it pointed at cannot be told
      out.push({ rel: e.name, files: [], ...kind });
    }
  }
  return out;
}

/**
 * A series folder's files; a folder of it that cannot be listed (no read permission for this user) makes the
 * whole study an error line naming that folder — it stopped the whole run (EACCES, a stack trace, exit 1), and
 * reading the series without that folder's slices would answer from part of it.
 */
function series(rel: string, full: string, stat: Stat): StudyEntry {
  try {
    return { rel, files: walk(full, new Set([fs.realpathSync(full)]), stat) };
  } catch (err) {
    const { path: at = full, code } = err as NodeJS.ErrnoException;
    const why = code === 'EACCES' ? 'permission denied (EACCES)' : err instanceof Error ? err.message : String(err);
    return { rel, files: [], unreadable: `Cannot read the folder ${at}: ${why}; the study was not analysed.` };
  }
}

/** A link that cannot be followed: `problem` for a StudyEntry (BROKEN_LINK line), or `unreadable` (FILE_UNREADABLE). */
type LinkTrouble = Pick<StudyEntry, 'problem'> | Pick<StudyEntry, 'unreadable'>;

/**
 * What a link leads to, or why it cannot be followed. A target this user may not reach (EACCES: no search right on
 * a folder on the way) was "a link to nothing", as if it were gone: it is there, and the run's user may not read it,
 * so it is an error line as an unreadable folder is; a dangling link or a loop is what the entry is (rejected).
 * `stat` (here and in listStudies) is there for the tests: as root, no target is out of reach.
 */
export function linkKind(full: string, stat: Stat = fs.statSync): 'dir' | 'file' | 'other' | LinkTrouble {
  try {
    const st = stat(full);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { problem: 'a broken link (its target does not exist)' };
    if (code === 'ELOOP') return { problem: 'a link that leads back to itself (a loop of links)' };
    const why = code === 'EACCES' || code === 'EPERM' ? `permission denied (${code}) on its target or a folder on the way` : err instanceof Error ? err.message : String(err);
    return { unreadable: `Cannot follow the link ${full}: ${why}; the study was not analysed.` };
  }
}

/** A series' files, links followed; a folder already walked (a link loop, or two links to one folder) is walked once. */
function walk(dir: string, seen: Set<string>, stat: Stat): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    const kind = e.isSymbolicLink() ? linkKind(full, stat) : e.isDirectory() ? 'dir' : e.isFile() ? 'file' : 'other';
    if (kind === 'dir') {
      const real = fs.realpathSync(full);
      if (seen.has(real)) continue;
      seen.add(real);
      out.push(...walk(full, seen, stat));
    } else if (kind === 'file' || (typeof kind === 'object' && 'unreadable' in kind)) {
      // a link whose target this user may not reach is read like any file, and its error names it (FILE_UNREADABLE):
      // it was skipped as if it led nowhere, and the series answered from part of its slices
      out.push(full);
    }
  }
  return out;
}

export async function evaluateStudy(service: StudyService, study: StudyEntry): Promise<StudyEvalLine> {
  if (study.unreadable) return { path: study.rel, status: 'error', code: 'FILE_UNREADABLE', message: study.unreadable };
  if (study.problem) return { path: study.rel, status: 'rejected', code: 'BROKEN_LINK', message: `This entry is ${study.problem}.` };
  if (!study.files.length) return { path: study.rel, status: 'rejected', code: 'EMPTY_FOLDER', message: 'This folder holds no file (hidden files are skipped).' };
  const files: Uint8Array[] = [];
  for (const f of study.files) {
    try {
      files.push(new Uint8Array(fs.readFileSync(f)));
    } catch (err) {
      return { path: study.rel, status: 'error', ...unreadable(f, err) };
    }
  }
  try {
    const r = await service.analyze(files);
    const sliceLabels: Record<string, number> = {};
    for (const s of r.slices) {
      const k = s.label ?? `${s.status}:${s.code}`;
      sliceLabels[k] = (sliceLabels[k] ?? 0) + 1;
    }
    return {
      path: study.rel,
      ...decisionFields(r),
      modelVersions: r.modelVersions,
      thresholds: r.thresholds,
      refusal: r.refusal ?? null,
      format: r.study.format,
      sliceCount: r.study.sliceCount,
      usableSlices: r.study.aggregation?.usableSlices ?? null,
      sliceLabels,
      totalMs: r.timingsMs.total,
    };
  } catch (err) {
    const code = err instanceof DomainError ? err.code : 'INTERNAL_ERROR';
    return { path: study.rel, status: err instanceof DomainError && err.statusCode < 500 ? 'rejected' : 'error', code, message: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Why a study's file could not be read, as the manifest mode names it: it was INTERNAL_ERROR
 * "ENOENT: …", as if the service had failed, for a file removed after the folder was listed.
 */
function unreadable(file: string, err: unknown): { code: string; message: string } {
  const errno = (err as NodeJS.ErrnoException).code;
  if (errno === 'ENOENT' || errno === 'ENOTDIR') return { code: 'FILE_NOT_FOUND', message: `No such file: ${file} (removed after the folder was listed?)` };
  if (errno === 'EISDIR') return { code: 'NOT_A_FILE', message: `A folder, not a file: ${file}` };
  return { code: 'FILE_UNREADABLE', message: `Cannot read ${file}: ${err instanceof Error ? err.message : String(err)}` };
}

export interface StudySummary {
  studies: number;
  byStatus: Record<string, number>;
  byLabel: Record<string, number>;
  medianMs: number | null;
  /**
   * with --labels: the answers against the labels as `--manifest` compares them (one labelAgreement):
   * a label outside the models' classes was counted as a wrong answer in accuracyWhenAnswered
   */
  labelled?: LabelAgreement & {
    /** studies written that the labels name */
    studies: number;
    /** labels naming no study of the folder (a typo, or a study that is not there): how many, the first 20 */
    unmatched: { count: number; paths: string[] };
  };
}

/**
 * Runs every study of `dir` in turn; returns a summary (counts, median time and, given
 * `labels` — study path → expected label, and the loaded models' classes — the label agreement).
 * Once `stop` fires (Ctrl-C) no further study is started: the one in progress finishes, and the
 * summary covers the studies written (`studies` counts them).
 */
export async function evaluateStudies(
  service: StudyService,
  dir: string,
  write: (line: StudyEvalLine) => void,
  labels?: { expected: Map<string, string>; classes: ModelClasses },
  stop?: AbortSignal,
): Promise<StudySummary> {
  const studies = listStudies(path.resolve(dir));
  const byStatus: Record<string, number> = {};
  const byLabel: Record<string, number> = {};
  const times: number[] = [];
  const compared: { line: StudyEvalLine; want: string | undefined }[] = [];
  let evaluated = 0;
  for (const s of studies) {
    if (stop?.aborted) break;
    const line = await evaluateStudy(service, s);
    evaluated++;
    const expected = labels?.expected.get(s.rel);
    write(expected !== undefined ? { ...line, expected } as StudyEvalLine : line);
    byStatus[line.status] = (byStatus[line.status] ?? 0) + 1;
    if (line.label) byLabel[line.label] = (byLabel[line.label] ?? 0) + 1;
    if (line.totalMs !== undefined) times.push(line.totalMs);
    compared.push({ line, want: expected });
    // a Ctrl-C that came while this study ran is handled (in the event loop's poll phase) before the next starts: a
    // study whose end was read in that same turn went straight on to the next, one study more than the Ctrl-C allowed
    if (stop) await new Promise((resolve) => setImmediate(resolve));
  }
  times.sort((a, b) => a - b);
  const summary: StudySummary = { studies: evaluated, byStatus, byLabel, medianMs: times.length ? times[Math.floor(times.length / 2)] : null };
  if (labels) {
    const listed = new Set(studies.map((s) => s.rel));
    const unmatched = [...labels.expected.keys()].filter((p) => !listed.has(p));
    summary.labelled = {
      ...labelAgreement(compared, labels.classes),
      studies: compared.filter((c) => c.want !== undefined).length,
      unmatched: { count: unmatched.length, paths: unmatched.slice(0, 20) },
    };
  }
  return summary;
}

/**
 * `path,label` CSV (header row) → map; paths as listed by listStudies (folder or file name, a
 * trailing slash or a leading ./ allowed). Read as CSV: a quoted name ("series 1, axial") was
 * split at its comma and kept its quotes, so its label matched no study and the study counted
 * as unlabelled without a word.
 */
export function readStudyLabels(csv: string): Map<string, string> {
  const { header, records, unclosedQuoteLine } = readCsvTable(csv);
  const pi = header.indexOf('path');
  const li = header.indexOf('label');
  if (!header.length) throw new StudyLabelsError('the labels CSV is empty (no header row)');
  if (pi < 0 || li < 0) throw new StudyLabelsError('the labels CSV needs "path" and "label" columns');
  if (unclosedQuoteLine !== null) throw new StudyLabelsError(`the labels CSV's line ${unclosedQuoteLine} opens a quoted field that is never closed`);
  // no label at all: coverage and accuracy would be reported over nothing, as if the run had been checked
  if (!records.length) throw new StudyLabelsError('the labels CSV has a header but no rows');
  const out = new Map<string, string>();
  for (const r of records) {
    const p = (r.cells[pi] ?? '').trim().replace(/^\.\//, '').replace(/\/+$/, '');
    const label = (r.cells[li] ?? '').trim();
    if (!p || !label) throw new StudyLabelsError(`the labels CSV's line ${r.line} has no ${p ? 'label' : 'path'}`);
    out.set(p, label);
  }
  return out;
}

/** A labels file that cannot be used: the CLI prints it with its usage and exits 2. */
export class StudyLabelsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StudyLabelsError';
  }
}
