/**
 * Words people read instead of model keys and raw numbers: one mapping for the pages, the
 * history views and the PDF reports. The page scripts get these words from here too
 * (pageWords(), rendered on <body> by the layout): public/js/result-view.js had its own copy.
 * Pure functions; no data access (history stays in its service/repository, this only formats
 * what they return).
 */
import { ORIENTATION_WORDS } from '../explainability/heatmap-text';
import type { ModelCard } from '../inference/model-card';
import { percentBeside } from './percent';

const WORDS: Record<string, string> = {
  notumor: 'no tumour',
  not_mri: 'not an MRI',
  other_mri: 'other MRI',
  brain_tumor: 'brain tumour model',
  triage: 'triage model',
  no_herniation: 'no herniation',
};

const CODES: Record<string, string> = {
  NOT_MRI: 'Not an MRI image',
  UNSUPPORTED_BODY_PART: 'Unsupported body part',
  LOW_CONFIDENCE: 'Unable to determine',
  NO_VALIDATED_MODEL: 'Recognised, no validated model',
  UNSUPPORTED_TYPE: 'Not a JPEG or PNG file',
  FILE_TOO_LARGE: 'File too large',
  EMPTY_FILE: 'Empty file',
  CORRUPT_IMAGE: 'Unreadable image',
  RESOLUTION_OUT_OF_RANGE: 'Image too small or too large',
  PIXEL_SPACING_OUT_OF_RANGE: 'Implausible pixel spacing',
  MIXED_SERIES: 'Mixed series',
  TOO_MANY_SLICES: 'Too many slices',
  UNSUPPORTED_TRANSFER_SYNTAX: 'Unsupported DICOM encoding',
  // a study's own inconclusive reasons: the study page said "Unable to determine" for both
  SLICE_DISAGREEMENT: 'Slice disagreement',
  INSUFFICIENT_SLICES: 'Too few usable slices',
};

/**
 * A study's own words for the file-check codes it shares with single images: a ZIP or a JPEG
 * sent to the study page was titled "Not a JPEG or PNG file" in the history and its PDF (the
 * image words; the JPEG is one). Not "Not a DICOM, NIfTI or ZIP file" either: a study's 415 also
 * covers a NIfTI of an unsupported data type (RGB24) and a bzip2/zstd/zlib-compressed `.nii`, whose
 * own refusal names the compression; the record keeps only the code, so its title must be true of all.
 */
const STUDY_CODES: Record<string, string> = {
  UNSUPPORTED_TYPE: 'Unsupported file type',
  CORRUPT_IMAGE: 'Unreadable file',
};

/** The same codes where images and studies are counted together (the history summary's reasons). */
const ANY_FILE_CODES: Record<string, string> = {
  UNSUPPORTED_TYPE: 'Unsupported file type',
  CORRUPT_IMAGE: 'Unreadable file',
};

/** Whose words a code is named in: a single image's, a study's, or either (counted together). */
export type CodeOf = 'image' | 'study' | 'any';

/** The record's kind for humanCode: a study record carries `study`. */
export function codeOf(r: { study?: unknown }): CodeOf {
  return r.study ? 'study' : 'image';
}

/** The title of a result recognised for a body part that has no validated model; {part} is the body part's name. */
const NO_VALIDATED_MODEL_TITLE = '{part} MRI — no validated model';

const STAGES: Record<string, string> = { file: 'file checks', modality: 'MRI check', anatomy: 'body part', diagnosis: 'diagnosis' };

/** A model key (label, body part, task) as words: notumor → "no tumour", other_mri → "other MRI". */
export function humanLabel(key: string | null | undefined): string {
  if (!key) return '—';
  return WORDS[key] ?? key.replace(/_/g, ' ').replace(/\bmri\b/gi, 'MRI');
}

/**
 * The model key for what a person typed in a filter: the words the pages show ("No tumour",
 * "Other MRI", "Brain") or the key itself ("notumor"). Keys are lower case with underscores
 * (every committed card); "No tumour" was a 400 and "Brain" matched nothing.
 *
 * Words are read in either spelling: the pages write "tumour", the keys "tumor". US "No tumor"
 * became `no_tumor`, the label brain_tumor 2.x recorded, so it matched only those old rows, or was
 * refused where there were none: it means the current label, as "No tumour" does. A typed key
 * (with an underscore, or one word) is taken as it is, so an older model's `no_tumor` stays
 * reachable by the key the history's label list and the 400 name it by.
 */
export function labelKey(typed: string): string {
  const words = typed.trim().replace(/\s+/g, ' ').toLowerCase();
  if (!words.includes(' ')) return words;
  const uk = words.replace(/\btumor\b/g, 'tumour');
  const key = Object.entries(WORDS).find(([, w]) => w.toLowerCase() === uk)?.[0];
  // words no entry gives are a key's words ("Glioma tumor", as the list titles a glioma_tumor row): the keys spell "tumor"
  return key ?? words.replace(/\btumour\b/g, 'tumor').replace(/ /g, '_');
}

export function capitalise(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

/** A model key standing on its own (a title, a body part, a probability's class): "No tumour", "Brain". */
export function displayName(key: string | null | undefined): string {
  return capitalise(humanLabel(key));
}

/** A refusal code in words, for an image's record (the default), a study's, or both counted together. */
export function humanCode(code: string | null | undefined, of: CodeOf = 'image'): string {
  if (!code) return '';
  const own = of === 'study' ? STUDY_CODES[code] : of === 'any' ? ANY_FILE_CODES[code] : undefined;
  return own ?? CODES[code] ?? capitalise(code.toLowerCase().replace(/_/g, ' '));
}

/**
 * The one name of each result status, wherever a person reads it (badge, Status filter, summary,
 * PDF): the history once badged a "no validated model" result "recognised" while its filter and
 * summary called the same status "inconclusive". "Inconclusive" covers both of that status's
 * cases (no validated model, low confidence); the API values stay as they are.
 */
const STATUS_NAMES: Record<string, string> = { completed: 'completed', inconclusive: 'inconclusive', rejected: 'rejected' };

export function statusName(status: string): string {
  return STATUS_NAMES[status] ?? status;
}

export function humanStage(stage: string | null | undefined): string {
  return stage ? (STAGES[stage] ?? stage) : '—';
}

/**
 * The body part with its figure, one rule for the history detail, the PDF and the image page's
 * stage list (figures.js bodyPart, which a browser spec compares with this over every case:
 * the list wrote "Brain · 97.0 %" where the history and the PDF wrote "Brain (97.0 %)").
 */
export function bodyPartLine(r: BodyPartFields): string {
  if (!r.anatomy) return '—';
  // the figure the triage threshold judged, never on the wrong side of it (percentBeside): "Brain (60.0 %)" stood
  // beside "(59.99 %, below the 60.00 % confidence threshold)", "Brain (58.3 %)" beside an answer under 58.348 %
  return `${displayName(r.anatomy)} (${percentBeside(r.anatomyConfidence, r.thresholds?.triage)})`;
}

/** What bodyPartLine reads: a history record or an API result; thresholds: model → the threshold it decided at. */
export interface BodyPartFields {
  anatomy: string | null;
  anatomyConfidence: number | null;
  stage?: string | null;
  code?: string | null;
  thresholds?: Record<string, number> | null;
}

/**
 * Bytes for people, on every page and in every message: "680 bytes", "12 KB", "1.5 MB", "5 MB".
 * There were four rules: the history wrote "1.0 MB", the limit messages "1.5 KB" (common/errors
 * formatBytes), the upload page "680 B", the study page "12.3 KB" where the history said "12 KB";
 * and 1 048 575 bytes read "1024 KB".
 * figures.js mirrors this for the sizes the browser measures before uploading (a browser
 * spec compares the two over the rounding edges).
 */
export function humanBytes(n: number | null | undefined): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  // whole KB up to 1023; 1 048 064 bytes and more round to 1024 KB, which is 1 MB
  if (n >= 1_048_576 || Math.round(n / 1024) >= 1024) return `${+(n / 1_048_576).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return n === 1 ? '1 byte' : `${n} bytes`;
}

/** A length in mm rounded for people: 0.8999999761581421 → "0.9". */
export function humanMm(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/**
 * A study's stored spacing: "column 0.9 mm, row 0.9 mm, slice unknown". A series without slice
 * positions stores slice: null, which read "slice 0 mm" on the history page and in the PDF
 * (Math.round(null) is 0) while the study page said "?".
 */
export function spacingLine(spacing: Record<string, number | null> | null): string {
  if (!spacing) return '—';
  return Object.entries(spacing)
    .map(([k, v]) => (typeof v === 'number' && Number.isFinite(v) ? `${k} ${humanMm(v)} mm` : `${k} unknown`))
    .join(', ');
}

/** The minimal shape of a recorded analysis the titles need (HistoryItem satisfies it). */
export interface TitledRecord {
  status: string;
  code: string | null;
  label: string | null;
  anatomy: string | null;
  study?: unknown;
}

/**
 * The one name of each outcome — "Glioma", "Not an MRI image", "Spine MRI — no validated model",
 * "Slice disagreement" — for the history list and detail and the PDFs; the live pages apply the
 * same rule to pageWords() (figures.js headline). The image page said "Spine MRI recognised"
 * and the study page "Unable to determine" where the history said otherwise.
 */
export function resultTitle(r: TitledRecord): string {
  if (r.status === 'completed' && r.label) return displayName(r.label);
  if (r.code === 'NO_VALIDATED_MODEL' && r.anatomy) return NO_VALIDATED_MODEL_TITLE.replace('{part}', displayName(r.anatomy));
  if (r.code) return humanCode(r.code, codeOf(r));
  return capitalise(r.status);
}

/** The words the page scripts need to name a result as resultTitle does (JSON in the layout's data-words). */
export interface PageWords {
  labels: Record<string, string>;
  codes: Record<string, string>;
  statuses: Record<string, string>;
  noValidatedModelTitle: string;
  /** the pipeline stages in order, named as humanStage names them (the image page said "Is it an MRI?" where the history said "MRI check") */
  stages: Record<string, string>;
  /** a study's slices and heat maps: which way round they are shown, per plane (heatmap-text.ts) */
  orientations: Record<string, string>;
}

export function pageWords(): PageWords {
  return { labels: { ...WORDS }, codes: { ...CODES }, statuses: { ...STATUS_NAMES }, noValidatedModelTitle: NO_VALIDATED_MODEL_TITLE, stages: { ...STAGES }, orientations: { ...ORIENTATION_WORDS } };
}

/** File names for downloads: mri-sentinel-2026-12-04-glioma.pdf (ASCII, no spaces). */
export function reportFileName(r: TitledRecord & { createdAt: string }, suffix = ''): string {
  const what = r.status === 'completed' && r.label ? r.label : (r.code ?? r.status);
  const slug = what.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'result';
  const date = /^\d{4}-\d{2}-\d{2}/.test(r.createdAt) ? r.createdAt.slice(0, 10) : new Date().toISOString().slice(0, 10);
  return `mri-sentinel-${date}-${r.study ? 'study-' : ''}${slug}${suffix}.pdf`;
}

/** What the service diagnoses today and what it only recognises, from the loaded cards. */
export interface Scope {
  /** `labels`: the card's keys, named by the pages' words where shown (indexScope) */
  diagnosed: { bodyPart: string; model: string; labels: string[]; experimental: boolean }[];
  recognisedOnly: string[];
  refused: string;
}

export function scopeFromCards(cards: ModelCard[]): Scope {
  const triage = cards.find((c) => c.kind === 'triage');
  // the pipeline answers with any loaded diagnosis card for the body part (experimental ones are marked)
  const dx = cards.filter((c) => c.kind === 'diagnosis' && c.body_part);
  const served = new Set(dx.map((c) => c.body_part));
  const parts = (triage?.labels ?? []).filter((l) => l !== 'not_mri' && l !== 'other_mri');
  return {
    diagnosed: dx.map((c) => ({ bodyPart: c.body_part ?? '', model: c.name, labels: c.labels, experimental: c.experimental })),
    recognisedOnly: parts.filter((p) => !served.has(p)),
    refused: 'other MRI (heart, shoulder, elbow…) and images that are not MRI',
  };
}

/**
 * What the service does with the body parts it knows, in one sentence for a refusal: "It
 * diagnoses brain MRI; knee and spine MRI are only recognised (no validated diagnosis model
 * yet)." The heart refusal said "supported: brain, knee, spine", so a user sent a knee and was
 * told there was no model for it.
 */
export function scopeSentence(s: Scope): string {
  const and = (parts: string[]) => (parts.length < 2 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`);
  const diagnosed = and([...new Set(s.diagnosed.map((d) => humanLabel(d.bodyPart)))]);
  const recognised = and(s.recognisedOnly.map((p) => humanLabel(p)));
  if (diagnosed && recognised) return `It diagnoses ${diagnosed} MRI; ${recognised} MRI ${s.recognisedOnly.length > 1 ? 'are' : 'is'} only recognised (no validated diagnosis model yet).`;
  if (diagnosed) return `It diagnoses ${diagnosed} MRI only.`;
  if (recognised) return `It recognises ${recognised} MRI but has no validated diagnosis model yet.`;
  return '';
}
