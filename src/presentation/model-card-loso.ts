/**
 * The leave-one-source-out rows of a model card (metrics.loso.rows), each judged as ml/ judges it
 * (ml/src/mri_sentinel_ml/loso_report.py: triage_target, and the brain report's "met" column). The
 * page used to show the first five numeric fields: a non-MRI row read "Accepted right part —" and its
 * own figure (the share passing the MRI check) was cut off. Now each row shows the one figure its
 * kind is judged on, the target and, in words, whether it meets it; every field stays in a breakdown.
 * Kinds come from the rows' own fields (`true` for triage, `truth` for a diagnosis card), never from
 * source names.
 */
import { capitalise, humanLabel } from './labels';
import { share } from './percent';

/** The targets of issue #14 as loso_report.py writes them (a unit test reads that file). */
export const LOSO_TARGETS = {
  /** non-MRI: share passing the MRI check (passes_modality), at most */
  notMri: 0.005,
  /** MRI of a body part the service does not read: share accepted as a supported part, at most */
  unsupportedMri: 0.02,
  /** brain/knee/spine MRI: share accepted as the right body part, at least */
  supportedMri: 0.9,
  /** diagnosis: right among the answered, at least, with at least this share answered */
  tumourRight: 0.95,
  tumourAnswered: 0.8,
} as const;

type Row = Record<string, unknown>;

export interface LosoJudgement {
  kind: string;
  /** the field the row is judged on, and its value (null: not recorded) */
  field: string;
  value: number | null;
  judgedOn: string;
  target: string;
  /** a second condition (diagnosis: the answered share) */
  also: { field: string; value: number | null } | null;
  met: boolean;
}

export interface LosoRowView {
  source: string;
  kind: string;
  images: string;
  judgedOn: string;
  figure: string;
  target: string;
  /** "Meets", "Misses" or "Not judged": words, so that no reader depends on a colour */
  result: 'Meets' | 'Misses' | 'Not judged';
  breakdown: { name: string; value: string }[];
}

export interface LosoView {
  /** "37 of 53 held-out rows meet their targets; 16 miss (Not MRI 3, …)." */
  summary: string;
  met: number;
  judged: number;
  rows: LosoRowView[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
// a figure and its sign never break apart in a narrow column ("≥ / 80 %", "0 / %"): no-break spaces inside each
const NB = '\u00a0';
const bound = (x: number) => `${Number((x * 100).toFixed(2))}${NB}%`;
const pc = (v: number | null) => share(v).replace(/ %/g, `${NB}%`).replace(/^([<>]) /, `$1${NB}`);
const atMost = (x: number) => `≤${NB}${bound(x)}`;
const atLeast = (x: number) => `≥${NB}${bound(x)}`;
const NOT_MRI = 'not_mri';
const OTHER_MRI = 'other_mri';

/** the body parts the rows hold as supported: every `true` that is neither not-MRI nor another part */
function supportedParts(rows: readonly Row[]): string[] {
  const parts: string[] = [];
  for (const r of rows) if (typeof r.true === 'string' && r.true !== NOT_MRI && r.true !== OTHER_MRI && !parts.includes(r.true)) parts.push(r.true);
  return parts;
}

const orList = (words: string[]) => (words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`);

/** One row's kind, figure, target and verdict; null for a row of no kind ml/ judges. `rows`: the card's rows (to name the supported parts). */
export function judgeLosoRow(row: Row, rows: readonly Row[]): LosoJudgement | null {
  if (typeof row.true === 'string') {
    if (row.true === NOT_MRI) {
      const value = num(row.passes_modality);
      return { kind: 'Not MRI', field: 'passes_modality', value, judgedOn: 'Let through as MRI (passed the MRI check)', target: atMost(LOSO_TARGETS.notMri), also: null, met: value !== null && value <= LOSO_TARGETS.notMri };
    }
    if (row.true === OTHER_MRI) {
      const value = num(row.accepted_as_supported);
      return { kind: 'MRI of another body part', field: 'accepted_as_supported', value, judgedOn: `Accepted as ${orList(supportedParts(rows))}`, target: atMost(LOSO_TARGETS.unsupportedMri), also: null, met: value !== null && value <= LOSO_TARGETS.unsupportedMri };
    }
    // ml/ counts a missing right-part share as 0 ((r["accepted_right_part"] or 0) >= 0.90)
    const value = num(row.accepted_right_part);
    return { kind: `${capitalise(humanLabel(row.true))} MRI`, field: 'accepted_right_part', value, judgedOn: `Accepted as ${humanLabel(row.true)} (the right body part)`, target: atLeast(LOSO_TARGETS.supportedMri), also: null, met: (value ?? 0) >= LOSO_TARGETS.supportedMri };
  }
  if (row.truth === 'tumour' || row.truth === 'tumour-free') {
    const value = num(row.right_among_answered);
    const answered = num(row.answered);
    return {
      kind: row.truth === 'tumour' ? 'Tumour images' : 'Tumour-free images',
      field: 'right_among_answered',
      value,
      judgedOn: row.truth === 'tumour' ? 'Called a tumour, among the answered' : 'Called “no tumour”, among the answered',
      target: `${atLeast(LOSO_TARGETS.tumourRight)}, with ${atLeast(LOSO_TARGETS.tumourAnswered)} answered`,
      also: { field: 'answered', value: answered },
      met: (value ?? 0) >= LOSO_TARGETS.tumourRight && answered !== null && answered >= LOSO_TARGETS.tumourAnswered,
    };
  }
  return null;
}

/** The rows' fields (ml/ loso.py triage_rows, brain_rows) in the words the pages use; another field by its key. */
const FIELD_WORDS: Record<string, string> = {
  accepted_right_part: 'Accepted as the right body part',
  accepted_as_supported: 'Accepted as a supported body part',
  wrong_part: 'Accepted as the wrong body part',
  not_mri: 'Refused as not MRI',
  not_mri_by_ood: 'Refused as not MRI: out of distribution',
  not_mri_by_pixel_gates: 'Refused as not MRI: background or colour gate',
  not_mri_by_head_ct_gate: 'Refused as not MRI: head-CT gate',
  modality_low_conf: 'Refused: unsure whether MRI',
  unsupported: 'Refused as another body part',
  anatomy_low_conf: 'Refused: unsure of the body part',
  passes_modality: 'Passed as MRI',
  answered: 'Answered',
  refused_ood: 'Refused as out-of-distribution',
  right_among_answered: 'Right (tumour or not) among the answered',
  exact_type_among_answered: 'Right tumour type among the answered',
  label_mix_answered: 'Labels among the answered',
};

/** A field name in words: FIELD_WORDS, else "some_new_field" → "Some new field". */
const fieldName = (k: string) => FIELD_WORDS[k] ?? capitalise(k.replace(/_/g, ' ').replace(/\bmri\b/gi, 'MRI').replace(/\bood\b/gi, 'out-of-distribution').replace(/\bct\b/gi, 'CT'));

function fieldValue(v: unknown): string | null {
  if (v === null) return '—';
  if (typeof v === 'number') return Number.isFinite(v) ? pc(v) : null;
  if (typeof v === 'string') return humanLabel(v);
  if (v && typeof v === 'object') {
    const parts = Object.entries(v as Row).filter(([, x]) => typeof x === 'number').map(([k, x]) => `${humanLabel(k)} ${pc(x as number)}`);
    return parts.length ? parts.join(', ') : null;
  }
  return null;
}

/** every field of the row but the source, its kind and its image count (all three shown in the row itself) */
function breakdown(row: Row): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const [k, v] of Object.entries(row)) {
    if (k === 'source' || k === 'n' || k === 'true' || k === 'truth') continue;
    const value = fieldValue(v);
    if (value !== null) out.push({ name: fieldName(k), value });
  }
  return out;
}

function figure(j: LosoJudgement): string {
  const main = pc(j.value);
  return j.also ? `${main} (${pc(j.also.value)} answered)` : main;
}

/** metrics.loso = { rows: [{ source, n, …figures }] } → the page's table and its count; null without rows. */
export function losoView(raw: unknown): LosoView | null {
  const rows = raw && typeof raw === 'object' && Array.isArray((raw as { rows?: unknown }).rows) ? ((raw as { rows: unknown[] }).rows.filter((r) => r && typeof r === 'object') as Row[]) : [];
  if (!rows.length) return null;
  const misses = new Map<string, number>();
  let met = 0;
  let judged = 0;
  const out = rows.map((r): LosoRowView => {
    const j = judgeLosoRow(r, rows);
    const n = num(r.n);
    const base = { source: String(r.source ?? '—'), images: n === null ? '—' : Math.round(n).toLocaleString('en-GB'), breakdown: breakdown(r) };
    if (!j) return { ...base, kind: '—', judgedOn: '—', figure: '—', target: '—', result: 'Not judged' };
    judged++;
    if (j.met) met++;
    else misses.set(j.kind, (misses.get(j.kind) ?? 0) + 1);
    return { ...base, kind: j.kind, judgedOn: j.judgedOn, figure: figure(j), target: j.target, result: j.met ? 'Meets' : 'Misses' };
  });
  const which = Array.from(misses, ([kind, count]) => `${kind} ${count}`).join(', ');
  const summary = `${met} of ${judged} held-out rows meet their targets; ${judged - met} miss${which ? ` — by kind: ${which}` : ''}.`;
  return { summary, met, judged, rows: out };
}
