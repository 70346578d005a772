/**
 * Every refusal cause, one loop: the message an answer gave is the reason its stored record gives,
 * word for word, on the history page (the no-JavaScript answer is that page), in the CSV export and
 * in the metadata PDF — with the cause and figures read back from the row as the history API gives
 * them. The answers come from the one pipeline (AnalysisService.analyzePixels, only the models
 * faked), the study rule (aggregateStudy over those answers) and the header check. Before, an
 * image withheld as out of distribution lost its model's name ("…unlike the brain tumour model's
 * training data…" came back as another sentence), the model's own "not MRI" came back with its
 * figure worded otherwise, and a body part the service does not analyse lost its scope sentence.
 *
 * file_check is the one cause left out: its answer is an error response (4xx) whose message is
 * not stored (a study's can quote the upload's own text); its record names the code instead.
 */
import type { AnalysisRecord, AnalysisResult } from '../../../src/classifier/analysis-result';
import { AnalysisService } from '../../../src/classifier/analysis.service';
import { parseCsv } from '../../../src/common/csv';
import { parseEnv } from '../../../src/config/config.schema';
import { AppConfig } from '../../../src/config/config.service';
import { HISTORY_CSV_HEADER, historyCsvRow } from '../../../src/history/history-csv';
import type { HistoryItem } from '../../../src/history/history.service';
import type { ImageDecodeService } from '../../../src/inference/image-decode.service';
import type { ModelProvider } from '../../../src/inference/model-provider';
import type { RawImage } from '../../../src/inference/preprocess';
import { historyDetail } from '../../../src/presentation/history.view';
import { buildReportPdf } from '../../../src/reports/report-pdf';
import { toItem, toRow, type Row } from '../../../src/repositories/analysis-row';
import { headerRefusal } from '../../../src/studies/header-refusal';
import { aggregateStudy } from '../../../src/studies/study-aggregate';
import { REFUSAL_CAUSES, type Refusal, type RefusalCause } from '../../../src/validation/refusal-cause';
import { pdfFlatText } from '../../helpers/pdf-text';
import { reportFaces } from '../../helpers/report-fonts';
import { logitsFor, makeCard, TRIAGE_LABELS } from '../../support/cards';

const THRESHOLD = 0.6;
const triageCard = makeCard({
  name: 'triage',
  kind: 'triage',
  labels: TRIAGE_LABELS,
  thresholds: {
    confidence: THRESHOLD,
    colour: { method: 'centre_chroma_share', margin: 0.1, min_chroma: 32, max_share: 0.02 },
    background: { method: 'content_border_mean', band: 0.06, max_border_mean: 128 },
    head_ct: { method: 'linear_probe', weights: [1, -1], bias: 0, threshold: 5 },
    ood: { method: 'mahalanobis_pca', threshold: 10, center: [0, 0], components: [[1, 0], [0, 1]], class_means: [[0, 0]] },
  },
});
const brainCard = makeCard({
  name: 'brain_tumor',
  kind: 'diagnosis',
  body_part: 'brain',
  labels: ['glioma', 'meningioma', 'notumor', 'pituitary'],
  label_descriptions: { glioma: 'glioma', meningioma: 'meningioma', notumor: 'no tumour visible', pituitary: 'pituitary tumour' },
  thresholds: { confidence: THRESHOLD, ood: { method: 'mahalanobis_pca', threshold: 10, center: [0, 0], components: [[1, 0], [0, 1]], class_means: [[0, 0]] } },
});

/** What the faked models answer for one image: triage's probabilities, and the rest where it matters. */
interface Scene {
  triage: number[];
  triageEmbedding?: number[];
  borderMean?: number;
  colour?: boolean;
  diagnosis?: number[];
  diagnosisEmbedding?: number[];
}
const BRAIN = [0.96, 0.01, 0.01, 0.01, 0.01];
const KNEE = [0.01, 0.96, 0.01, 0.01, 0.01];
const NOT_MRI = [0.001, 0.001, 0.001, 0.001, 0.996];
const GLIOMA = [0.9, 0.05, 0.03, 0.02];
const MENINGIOMA = [0.05, 0.88, 0.05, 0.02];
const CLEAR = [0.01, 0.01, 0.97, 0.01];

/** The scene rides in the image (its index in `scenes`), so one provider answers every slice of a study. */
function pipeline(scenes: Scene[]): { service: AnalysisService; image: (i: number) => RawImage } {
  const geometry = { size: 224, nw: 224, nh: 224, x0: 0, y0: 0 };
  const sceneOf = (image: RawImage) => scenes[image.data[0]];
  const models: ModelProvider = {
    isReady: () => true,
    triageCard: () => triageCard,
    diagnosisCardFor: (part) => (part === 'brain' ? brainCard : undefined),
    cards: () => [triageCard, brainCard],
    versions: () => ({ triage: triageCard.version, brain_tumor: brainCard.version }),
    runImage: async (model, image) => {
      const s = sceneOf(image);
      const triage = model === 'triage';
      const p = triage ? s.triage : (s.diagnosis ?? CLEAR);
      const embedding = (triage ? s.triageEmbedding : s.diagnosisEmbedding) ?? [0, 0];
      return { logits: Float32Array.from(logitsFor(p)), embedding: Float32Array.from(embedding), cam: new Float32Array(p.length * 49), camH: 7, camW: 7, geometry, preprocessMs: 0, borderMean: s.borderMean ?? 10 };
    },
    heatmap: async () => ({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) }),
  };
  const config = new AppConfig(parseEnv({}));
  const image = (i: number): RawImage => {
    const side = 64;
    const data = new Uint8Array(side * side * 3);
    for (let k = 0; k < side * side; k++) {
      const x = k % side;
      const y = Math.floor(k / side);
      const centre = x > 16 && x < 48 && y > 16 && y < 48;
      data.set(scenes[i].colour && centre ? [230, 40, 40] : [90, 90, 90], k * 3);
    }
    data[0] = i; // the scene's index (one pixel of the border ring, far below the gates' measures)
    return { width: side, height: side, channels: 3, data };
  };
  return { service: new AnalysisService(config, models, {} as ImageDecodeService), image };
}

async function answers(scenes: Scene[]): Promise<AnalysisResult[]> {
  const { service, image } = pipeline(scenes);
  return Promise.all(scenes.map((_, i) => service.analyzePixels(image(i), { explain: false })));
}

const STUDY_COLUMNS = { modality: 'MR', seriesDescription: null, spacing: null, gaps: null, volumes: null, window: null, unevenSteps: null, copiesDropped: null };

/** The record the service writes for `r`, read back as the history API, page, CSV and PDF read it. */
type Recorded = Pick<AnalysisRecord, 'status' | 'stage' | 'code' | 'isMri' | 'mriConfidence' | 'anatomy' | 'anatomyConfidence' | 'task' | 'label' | 'confidence' | 'probabilities'> & { modelVersions: Record<string, string>; refusal?: Refusal | null };
function recorded(r: Recorded, study?: { sliceCount: number; usableSlices: number | null }): HistoryItem {
  const row = toRow(
    {
      userId: 'u', fileType: study ? 'dicom' : 'png', byteSize: 1000, width: 64, height: 64, sha256: 'a'.repeat(64),
      status: r.status, stage: r.stage, code: r.code, anatomy: r.anatomy, anatomyConfidence: r.anatomyConfidence, isMri: r.isMri, mriConfidence: r.mriConfidence,
      task: r.task, label: r.label, confidence: r.confidence, probabilities: r.probabilities, modelVersions: r.modelVersions, timingsMs: { total: 1 },
      thresholds: Object.fromEntries(Object.keys(r.modelVersions).map((m) => [m, THRESHOLD])),
      refusal: r.refusal ?? null,
    },
    study ? { ...STUDY_COLUMNS, ...study, rule: { agreement: 0.6, minUsableSlices: 3, pairWithin: 2 } } : undefined,
  );
  const nulls = { kind: null, modality: null, seriesDescription: null, sliceCount: null, usableSlices: null, spacingJson: null, sliceGapsJson: null, niftiVolumes: null, windowingJson: null };
  return toItem({ ...nulls, ...row, id: '00000000-0000-4000-8000-0000000000aa' } as Row);
}

interface Told {
  live: string;
  item: HistoryItem;
  refusal: Refusal | null | undefined;
}

async function image(scene: Scene): Promise<Told> {
  const [r] = await answers([scene]);
  return { live: r.message, item: recorded(r), refusal: r.refusal };
}

async function study(scenes: Scene[], over: { minUsable?: number } = {}): Promise<Told> {
  const slices = await answers(scenes);
  const a = aggregateStudy({ slices, minUsable: over.minUsable ?? 3, agreement: 0.6, cardFor: (part) => (part === 'brain' ? { name: 'brain_tumor', labels: brainCard.labels, threshold: THRESHOLD, describe: (l) => brainCard.label_descriptions?.[l] ?? l } : undefined) });
  const modelVersions = Object.assign({}, ...slices.map((s) => s.modelVersions)) as Record<string, string>;
  return { live: a.message, item: recorded({ ...a, modelVersions }, { sliceCount: scenes.length, usableSlices: a.aggregation.usableSlices }), refusal: a.refusal };
}

function header(kind: 'not_mri' | 'unsupported_part'): Told {
  const r = headerRefusal({ kind, bodyPart: 'KNEE', meta: { modality: kind === 'not_mri' ? 'CT' : 'MR' } } as unknown as Parameters<typeof headerRefusal>[0], [triageCard, brainCard]);
  const item = recorded({ ...r, modelVersions: {} }, { sliceCount: 3, usableSlices: null });
  return { live: r.message, item: { ...item, study: item.study && { ...item.study, modality: r.study.modality ?? null } }, refusal: r.refusal };
}

type Tested = Exclude<RefusalCause, 'file_check'>;
/** One answer per cause, keyed so that a cause added to REFUSAL_CAUSES does not compile until it is here. */
const CASES: Record<Tested, () => Promise<Told> | Told> = {
  colour: () => image({ triage: NOT_MRI, colour: true }),
  bright_background: () => image({ triage: NOT_MRI, borderMean: 200 }),
  head_ct: () => image({ triage: BRAIN, triageEmbedding: [6, 0] }),
  triage_ood: () => image({ triage: BRAIN, triageEmbedding: [40, 40] }),
  triage_not_mri: () => image({ triage: NOT_MRI }),
  mri_low_confidence: () => image({ triage: [0.46, 0.05, 0.03, 0.01, 0.45] }),
  unsupported_body_part: () => image({ triage: [0.05, 0.05, 0.05, 0.8, 0.05] }),
  body_part_low_confidence: () => image({ triage: [0.45, 0.3, 0.15, 0.05, 0.05] }),
  no_validated_model: () => image({ triage: KNEE }),
  ood: () => image({ triage: BRAIN, diagnosis: CLEAR, diagnosisEmbedding: [40, 40] }),
  low_confidence: () => image({ triage: BRAIN, diagnosis: [0.5, 0.3, 0.1, 0.1] }),
  header_modality: () => header('not_mri'),
  header_body_part: () => header('unsupported_part'),
  too_few_slices: () => study([{ triage: BRAIN }, { triage: NOT_MRI }, { triage: [0.05, 0.05, 0.05, 0.8, 0.05] }, { triage: [0.45, 0.3, 0.15, 0.05, 0.05] }]),
  body_part_disagreement: () => study([{ triage: BRAIN }, { triage: BRAIN }, { triage: BRAIN }, { triage: KNEE }, { triage: KNEE }, { triage: KNEE }]),
  too_few_body_part_slices: () => study([{ triage: BRAIN }, { triage: BRAIN }, { triage: KNEE }]),
  unfamiliar_slices: () => study([{ triage: BRAIN }, { triage: BRAIN }, { triage: BRAIN, diagnosisEmbedding: [40, 40] }]),
  finding_unconfirmed: () => study([{ triage: BRAIN, diagnosis: GLIOMA }, ...Array.from({ length: 5 }, () => ({ triage: BRAIN, diagnosis: CLEAR }))]),
  slice_disagreement: () => study([...Array.from({ length: 4 }, () => ({ triage: BRAIN, diagnosis: GLIOMA })), ...Array.from({ length: 3 }, () => ({ triage: BRAIN, diagnosis: MENINGIOMA }))]),
};

/** Answers of a study refused because most of its slices were: the first such slice's figures, after how many. */
const SLICES_REFUSED: [string, () => Promise<Told>][] = [
  ['not MRI, by the model', () => study([{ triage: NOT_MRI }, { triage: NOT_MRI }, { triage: NOT_MRI }, { triage: BRAIN }])],
  ['at the colour check', () => study([{ triage: NOT_MRI, colour: true }, { triage: NOT_MRI, colour: true }, { triage: NOT_MRI, colour: true }, { triage: BRAIN }])],
  ['of a body part the service does not analyse', () => study([{ triage: [0.05, 0.05, 0.05, 0.8, 0.05] }, { triage: [0.05, 0.05, 0.05, 0.8, 0.05] }, { triage: [0.05, 0.05, 0.05, 0.8, 0.05] }, { triage: BRAIN }])],
];

const flat = (s: string) => s.replace(/\s+/g, ' ').trim();

async function expectSaidAlike(told: Told): Promise<void> {
  const { live, item } = told;
  // the history API's record: the cause and the figures the answer was worded from
  expect(item.refusal).toEqual(told.refusal);
  // the history page and the no-JavaScript form's answer (the record's page)
  expect(historyDetail(item).message).toBe(live);
  // the CSV export's reason column
  const [csv] = parseCsv(`${HISTORY_CSV_HEADER.join(',')}\r\n${historyCsvRow(item)}\r\n`);
  expect(csv.reason).toBe(live);
  // the metadata-only PDF (no live message: the record's reason)
  // (a line broken after a hyphen, "out-of-|distribution", is joined without the space the line break became)
  const pdf = flat(pdfFlatText(await buildReportPdf({ record: item, generatedFor: 'u@example.org', fonts: reportFaces() }))).replace(/(\w)- (\w)/g, '$1-$2');
  expect(pdf).toContain(`Reason: ${live}`);
}

describe('every refusal cause: the stored record gives the answer\'s message word for word', () => {
  it('covers every cause but file_check', () => {
    expect([...Object.keys(CASES), 'file_check'].sort()).toEqual([...REFUSAL_CAUSES].sort());
  });

  it.each(Object.keys(CASES) as Tested[])('%s', async (cause) => {
    const told = await CASES[cause]();
    expect(told.refusal?.cause).toBe(cause);
    await expectSaidAlike(told);
  });

  it.each(SLICES_REFUSED)('a study whose slices were mostly refused %s', async (_what, make) => {
    const told = await make();
    expect(told.live).toMatch(/^3 of 4 slices were refused: /);
    await expectSaidAlike(told);
  });
});

// a row written before a figure was stored still reads as a sentence of its cause
describe('a row recorded before the figures its cause now stores', () => {
  const strip = (item: HistoryItem, keep: string[]): HistoryItem => ({
    ...item,
    refusal: item.refusal && { cause: item.refusal.cause, figures: Object.fromEntries(Object.entries(item.refusal.figures).filter(([k]) => keep.includes(k))) },
  });

  it.each<[Tested, string[]]>([
    ['ood', ['finding', 'confidence']],
    ['triage_not_mri', []],
    ['unsupported_body_part', ['anatomyConfidence']],
    ['header_body_part', ['bodyPart']],
  ])('%s', async (cause, kept) => {
    const told = await CASES[cause]();
    const old = strip(told.item, kept);
    const reason = historyDetail(old).message;
    expect(reason).toMatch(/^[A-Z].*\.$/);
    expect(reason).not.toMatch(/undefined|null|NaN|\(\)/);
  });
});
