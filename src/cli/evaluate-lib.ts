import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { integerOption, parseOptions } from './cli-args';
import type { AnalysisResult } from '../classifier/analysis-result';

/** One line of the evaluation JSONL: the manifest path plus the result minus the heat map. */
export interface EvalLine extends Partial<Omit<AnalysisResult, 'explanation' | 'status' | 'code'>> {
  path: string;
  status: AnalysisResult['status'] | 'error';
  code: string | null;
  /** the manifest line of the row (header = 1): tells duplicate rows and rows without a path apart */
  line?: number;
}

/** What the decision keys read of a line: an image's (EvalLine) or a study's (StudyEvalLine). */
export interface DecisionLine {
  status: string;
  stage?: string | null;
  code: string | null;
  anatomy?: string | null;
  task?: string | null;
  label?: string | null;
}

/**
 * A decision as one comparable string, shared with scripts/python_decisions.py:
 *   rejected:file_<CODE> | rejected:NOT_MRI | rejected:modality_LOW_CONFIDENCE |
 *   rejected:UNSUPPORTED_BODY_PART | rejected:anatomy_LOW_CONFIDENCE |
 *   inconclusive:NO_VALIDATED_MODEL:<body part> | inconclusive:LOW_CONFIDENCE:<task> |
 *   completed:<task>:<label> | error:<CODE>
 */
export function decisionKey(l: DecisionLine): string {
  if (l.status === 'error') return `error:${l.code}`;
  if (l.status === 'rejected') {
    if (l.stage === 'file') return `rejected:file_${l.code}`;
    if (l.code === 'LOW_CONFIDENCE') return `rejected:${l.stage}_LOW_CONFIDENCE`;
    return `rejected:${l.code}`;
  }
  if (l.status === 'inconclusive') {
    return l.code === 'NO_VALIDATED_MODEL' ? `inconclusive:NO_VALIDATED_MODEL:${l.anatomy}` : `inconclusive:LOW_CONFIDENCE:${l.task}`;
  }
  return `completed:${l.task}:${l.label}`;
}

/** The triage part of a decision in ml/ evaluate.TRIAGE_OUTCOMES terms (brain | … | rejected:…). */
export function triageKey(l: DecisionLine): string | null {
  if (l.status === 'error' || l.stage === 'file') return null;
  if (l.status === 'rejected') return decisionKey(l);
  return l.anatomy ?? null;
}

/** Expected triage outcome for a manifest label (brain, knee, spine, other_mri, not_mri). */
export function expectedTriage(label: string): string {
  if (label === 'not_mri') return 'rejected:NOT_MRI';
  if (label === 'other_mri') return 'rejected:UNSUPPORTED_BODY_PART';
  return label;
}

/** One line of scripts/python_decisions.py output (PIL + onnxruntime-python + ml/ rules). */
export interface PythonDecision {
  path: string;
  decision: string;
  /** null when the file checks refused the image before triage */
  triage?: string | null;
  probabilities?: Record<string, number>;
  /** the colour gate's measure (scripts/python_decisions.py), when the triage card has the gate */
  colour_share?: number;
}

export interface Summary {
  images: number;
  byStatus: Record<string, number>;
  byDecision: Record<string, number>;
  medianTimingsMs: Record<string, number>;
  labelAgreement?: LabelAgreement;
  pythonAgreement?: {
    compared: number;
    agree: number;
    rate: number;
    triageCompared: number;
    triageAgree: number;
    /** largest |p_ours − p_python| over every label of every image where both report the same model */
    maxProbabilityDiff: number;
    disagreements: { path: string; ours: string; python: string }[];
  };
}

/**
 * Agreement of the answers with the manifest's labels. Only rows the model answered and whose label
 * it can give are compared: a refused row and a label outside the model's classes were counted as
 * disagreements, so the rate mixed how often the model abstains (and manifest typos) into how often
 * it is wrong. Those rows are counted apart, by name.
 */
export interface LabelAgreement {
  /** triage when every label is a triage outcome (brain, knee, …, not_mri), else diagnosis */
  kind: 'triage' | 'diagnosis';
  /** labelled rows answered, with a label of the model's classes */
  compared: number;
  agree: number;
  /** agree / compared; null when nothing was compared */
  rate: number | null;
  /** labelled rows the pipeline did not answer: rejected or inconclusive (triage: a LOW_CONFIDENCE or file refusal) */
  refused: number;
  /** labelled rows whose file could not be evaluated (an error line) */
  errors: number;
  /** rows with no label in the manifest */
  unlabelled: number;
  /** labelled rows whose label the model cannot give (a typo, another collection's class), and those labels */
  outOfClass: { count: number; labels: string[] };
}

/** The labels the loaded models can give: the triage outcomes and every diagnosis model's classes. */
export interface ModelClasses {
  triage: Set<string>;
  diagnosis: Set<string>;
}

export function modelClasses(cards: readonly { kind: 'triage' | 'diagnosis'; labels: readonly string[] }[]): ModelClasses {
  const out: ModelClasses = { triage: new Set(), diagnosis: new Set() };
  for (const c of cards) for (const l of c.labels) out[c.kind].add(l);
  return out;
}

/**
 * The one comparison of answers with expected labels, for both `--manifest` and `--studies --labels`.
 * Each row comes with its own label (`want`; undefined: unlabelled): rows were looked up by path, so
 * two manifest rows naming one file with different labels were both compared with the last row's.
 */
export function labelAgreement(rows: { line: DecisionLine; want: string | undefined }[], classes: ModelClasses): LabelAgreement {
  const wanted = rows.flatMap((r) => (r.want ? [r.want] : []));
  const kind = wanted.every((v) => classes.triage.has(v)) ? 'triage' : 'diagnosis';
  const r: LabelAgreement = { kind, compared: 0, agree: 0, rate: null, refused: 0, errors: 0, unlabelled: 0, outOfClass: { count: 0, labels: [] } };
  const outside = new Set<string>();
  for (const { line: l, want } of rows) {
    if (!want) r.unlabelled++;
    else if (!classes[kind].has(want)) {
      r.outOfClass.count++;
      outside.add(want);
    } else if (l.status === 'error') r.errors++;
    else if (kind === 'triage') {
      // NOT_MRI and UNSUPPORTED_BODY_PART are triage's answers; a file refusal or LOW_CONFIDENCE is none
      // and a study refused with no stage (an empty folder, a broken link, an unreadable archive) never reached triage
      const got = triageKey(l);
      if (got === null || (l.status === 'rejected' && (l.code === 'LOW_CONFIDENCE' || !l.stage))) r.refused++;
      else {
        r.compared++;
        if (got === expectedTriage(want)) r.agree++;
      }
    } else if (l.status !== 'completed') r.refused++;
    else {
      r.compared++;
      if (l.label === want) r.agree++;
    }
  }
  r.outOfClass.labels = [...outside].sort().slice(0, 20);
  r.rate = r.compared ? r.agree / r.compared : null;
  return r;
}

export function summarise(
  lines: EvalLine[],
  /** the manifest's labels by line (ManifestRow.line = EvalLine.line), not by path: a path may be on several rows */
  labels: ReadonlyMap<number, string>,
  classes: ModelClasses,
  python: Map<string, PythonDecision> | undefined,
): Summary {
  const count = (keys: string[]) => keys.reduce<Record<string, number>>((m, k) => ((m[k] = (m[k] ?? 0) + 1), m), {});
  const timings: Record<string, number[]> = {};
  for (const l of lines) for (const [k, v] of Object.entries(l.timingsMs ?? {})) (timings[k] ??= []).push(v);
  const summary: Summary = {
    images: lines.length,
    byStatus: count(lines.map((l) => l.status)),
    byDecision: count(lines.map(decisionKey)),
    medianTimingsMs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, median(v)])),
  };

  if (labels.size) summary.labelAgreement = labelAgreement(lines.map((l) => ({ line: l, want: l.line === undefined ? undefined : labels.get(l.line) })), classes);

  if (python) {
    let compared = 0;
    let agree = 0;
    let triageCompared = 0;
    let triageAgree = 0;
    let maxProbabilityDiff = 0;
    const disagreements: { path: string; ours: string; python: string }[] = [];
    for (const l of lines) {
      const theirs = python.get(l.path);
      if (!theirs) continue;
      compared++;
      const ours = decisionKey(l);
      if (ours === theirs.decision) agree++;
      else disagreements.push({ path: l.path, ours, python: theirs.decision });
      const ourP = l.probabilities ?? {};
      const theirP = theirs.probabilities ?? {};
      const labels = Object.keys(ourP);
      if (labels.length && labels.length === Object.keys(theirP).length && labels.every((k) => k in theirP)) {
        for (const k of labels) maxProbabilityDiff = Math.max(maxProbabilityDiff, Math.abs(ourP[k] - theirP[k]));
      }
      if (theirs.triage !== undefined) {
        triageCompared++;
        if (triageKey(l) === theirs.triage) triageAgree++;
      }
    }
    summary.pythonAgreement = {
      compared,
      agree,
      rate: compared ? agree / compared : 0,
      triageCompared,
      triageAgree,
      maxProbabilityDiff,
      disagreements: disagreements.slice(0, 50),
    };
  }
  return summary;
}

export function median(v: number[]): number {
  if (!v.length) return 0;
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : Math.round(((s[m - 1] + s[m]) / 2) * 10) / 10;
}

/** A bad command-line value: the CLI prints the message and its usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * `--limit` (≥ 1) / `--concurrency` (1 – 64, INFERENCE_POOL_SIZE's range), or undefined when not
 * given, by the commands' one parser (cli-args integerOption). Number() took "abc" as NaN (`--limit
 * abc` evaluated no image, exit 0); `--concurrency 4294967296` crashed on the workers' array.
 */
export function countOption(name: 'limit' | 'concurrency', raw: string | undefined): number | undefined {
  try {
    return integerOption(name, raw, { min: 1, max: name === 'concurrency' ? 64 : undefined });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * A path option that must name an existing file or folder. A missing `--manifest` or `--studies`
 * path reached fs as an uncaught ENOENT: a stack trace, exit 1, after the models had loaded.
 */
export function existingPath(name: string, raw: string | undefined, kind: 'file' | 'folder'): string | undefined {
  if (raw === undefined) return undefined;
  const resolved = path.resolve(raw);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(resolved);
  } catch {
    throw new UsageError(`--${name}: no such ${kind}: ${resolved}`);
  }
  if (kind === 'file' ? !stat.isFile() : !stat.isDirectory()) throw new UsageError(`--${name}: not a ${kind}: ${resolved}`);
  return resolved;
}

const EVALUATE_OPTIONS = {
  manifest: { type: 'string' },
  root: { type: 'string' },
  out: { type: 'string' },
  split: { type: 'string' },
  limit: { type: 'string' },
  compare: { type: 'string' },
  concurrency: { type: 'string' },
  studies: { type: 'string' },
  labels: { type: 'string' },
  force: { type: 'boolean' },
  // -h too: it was "Unknown option '-h'", exit 2
  help: { type: 'boolean', short: 'h' },
} as const;

type EvaluateArgs = ReturnType<typeof parseArgs<{ args: string[]; options: typeof EVALUATE_OPTIONS }>>['values'];

/**
 * `npm run evaluate`'s options. What parseOptions refuses (an unknown option, a missing value, a
 * stray argument, an option given twice, an empty value) is a UsageError — it escaped as a TypeError: a stack trace and exit 1, as a
 * failed run would exit, instead of the usage and exit 2.
 */
export function parseEvaluateArgs(argv: string[]): EvaluateArgs {
  let values: EvaluateArgs;
  try {
    values = parseOptions(argv, EVALUATE_OPTIONS);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  // the two modes share --out only; an option of the other mode was dropped without a word
  if (values.studies !== undefined) {
    if (values.manifest !== undefined) throw new UsageError('--manifest does not go with --studies: give one of them');
    const manifestOnly = (['root', 'split', 'limit', 'compare', 'concurrency'] as const).filter((k) => values[k] !== undefined);
    if (manifestOnly.length) throw new UsageError(`${manifestOnly.map((k) => `--${k}`).join(', ')} only go${manifestOnly.length === 1 ? 'es' : ''} with --manifest, not --studies`);
  } else if (values.labels !== undefined) {
    throw new UsageError('--labels only goes with --studies (a manifest has its own label column)');
  }
  if (values.force && values.out === undefined) throw new UsageError('--force only goes with --out (it lets --out replace an existing file)');
  return values;
}
