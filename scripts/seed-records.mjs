// The records scripts/seed-history.mjs writes, apart from it so a test can read them without a
// database (test/unit/seed-history-outcomes.spec.ts): every (status, stage, code, body part) here is
// one the pipeline can give, which that test checks against the pipeline's own decision functions.
// Pure: no I/O, no side effects at import; a seeded PRNG, so two seeded files compare.
import { createHash } from 'node:crypto';

export const VERSIONS = { triage: '4.4.0', brain_tumor: '4.1.0' };
/** body part → its diagnosis model, as the seeded modelVersions have them: the others get NO_VALIDATED_MODEL */
export const DIAGNOSIS_MODELS = { brain: 'brain_tumor' };
export const TRIAGE_THRESHOLD = 0.8;
const LABELS = ['glioma', 'meningioma', 'notumor', 'pituitary'];
// the body parts triage accepts; other_mri is refused as UNSUPPORTED_BODY_PART, never diagnosed or "recognised"
const BODY_PARTS = ['brain', 'knee', 'spine'];
const STUDY_FILE_CODES = ['MIXED_SERIES', 'TOO_MANY_SLICES', 'UNSUPPORTED_TRANSFER_SYNTAX', 'CORRUPT_IMAGE', 'FILE_TOO_LARGE'];

/** A record generator over its own PRNG: record(userId) for one image, study(record) for a study row. */
export function seeder(seed = 0x9e3779b9) {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const round = (x) => Math.round(x * 1000) / 1000;

  /** One plausible record of each outcome the single-image pipeline produces, chosen by weight. */
  function record(userId) {
    const timings = { decode: round(2 + rnd() * 6), triage: round(4 + rnd() * 6) };
    const base = {
      userId, fileType: pick(['jpeg', 'png']), byteSize: 20_000 + Math.floor(rnd() * 2_000_000),
      width: 256 + Math.floor(rnd() * 768), height: 256 + Math.floor(rnd() * 768),
      sha256: createHash('sha256').update(String(rnd())).digest('hex'),
      anatomy: null, anatomyConfidence: null, isMri: null, mriConfidence: null, task: null, label: null,
      confidence: null, probabilities: null, modelVersions: {}, timingsMs: timings, thresholds: {},
    };
    const r = rnd();
    if (r < 0.05) {
      const code = pick(['UNSUPPORTED_TYPE', 'FILE_TOO_LARGE', 'CORRUPT_IMAGE', 'RESOLUTION_OUT_OF_RANGE']);
      return { ...base, fileType: code === 'UNSUPPORTED_TYPE' ? null : base.fileType, status: 'rejected', stage: 'file', code, modelVersions: null, timingsMs: { total: round(rnd()) }, width: null, height: null };
    }
    const triaged = { ...base, isMri: true, mriConfidence: round(TRIAGE_THRESHOLD + rnd() * (1 - TRIAGE_THRESHOLD)), modelVersions: { triage: VERSIONS.triage }, thresholds: { triage: TRIAGE_THRESHOLD }, task: 'triage' };
    // triage's refusals are all `rejected` (analysis.service.ts); a modality refusal names no body part
    if (r < 0.13) return { ...triaged, status: 'rejected', stage: 'modality', code: 'NOT_MRI', isMri: false, mriConfidence: round(rnd() * 0.3), probabilities: { not_mri: 0.9, brain: 0.1 } };
    if (r < 0.15) return { ...triaged, status: 'rejected', stage: 'modality', code: 'LOW_CONFIDENCE', isMri: false, mriConfidence: round(0.5 + rnd() * 0.29) };
    if (r < 0.2) return { ...triaged, status: 'rejected', stage: 'anatomy', code: 'UNSUPPORTED_BODY_PART', anatomy: 'other_mri', anatomyConfidence: round(0.5 + rnd() * 0.5) };
    const anatomy = pick(BODY_PARTS);
    const atri = { ...triaged, anatomy, anatomyConfidence: round(TRIAGE_THRESHOLD + rnd() * (1 - TRIAGE_THRESHOLD)) };
    if (r < 0.25) return { ...atri, status: 'rejected', stage: 'anatomy', code: 'LOW_CONFIDENCE', anatomyConfidence: round(0.3 + rnd() * 0.49) };
    // a body part triage accepted with no diagnosis model: decided at the diagnosis stage (analysis.service.ts)
    if (!DIAGNOSIS_MODELS[anatomy]) return { ...atri, status: 'inconclusive', stage: 'diagnosis', code: 'NO_VALIDATED_MODEL' };
    const probs = Object.fromEntries(LABELS.map((l) => [l, round(rnd())]));
    const label = pick(LABELS);
    const diag = {
      ...atri, task: DIAGNOSIS_MODELS[anatomy], probabilities: probs, modelVersions: VERSIONS, thresholds: { triage: TRIAGE_THRESHOLD, brain_tumor: 0.6 },
      timingsMs: { ...timings, diagnosis: round(8 + rnd() * 8), heatmap: round(3 + rnd() * 3), total: round(20 + rnd() * 20) },
    };
    if (r < 0.35) return { ...diag, status: 'inconclusive', stage: 'diagnosis', code: 'LOW_CONFIDENCE', confidence: round(0.3 + rnd() * 0.3) };
    return { ...diag, status: 'completed', stage: 'diagnosis', code: null, label, confidence: round(0.6 + rnd() * 0.4) };
  }

  /**
   * A study from a record's outcome, as study-aggregate.ts decides one: a study refused by its slices'
   * one dominant reason names no body part; disagreeing or too few slices are its own inconclusive
   * codes, at the body-part stage or, once a model was chosen, the diagnosis stage.
   */
  function studyOutcome(rec) {
    if (rec.stage === 'file') return { status: 'rejected', stage: 'file', code: pick(STUDY_FILE_CODES), anatomy: null, anatomyConfidence: null };
    if (rec.status === 'rejected') return { status: 'rejected', stage: rec.stage, code: rec.code, anatomy: null, anatomyConfidence: null, isMri: rec.stage !== 'modality' };
    if (rec.status === 'completed') return {};
    const own = rnd();
    if (own < 0.2) return { stage: 'anatomy', code: 'INSUFFICIENT_SLICES', anatomy: null, anatomyConfidence: null, task: null, label: null, confidence: null, probabilities: null };
    // slices disagreeing on the body part: none is named (study-aggregate.ts)
    if (own < 0.4) return { stage: 'anatomy', code: 'SLICE_DISAGREEMENT', anatomy: null, anatomyConfidence: null, task: null, label: null, confidence: null, probabilities: null };
    if (rec.code === 'NO_VALIDATED_MODEL') return {};
    return { code: pick(['LOW_CONFIDENCE', 'SLICE_DISAGREEMENT', 'INSUFFICIENT_SLICES']) };
  }

  /** About one record in 12 is a study (DICOM series or NIfTI volume), with its own columns. */
  function study(rec) {
    const slices = 8 + Math.floor(rnd() * 40);
    const out = { ...rec, ...studyOutcome(rec) };
    return [
      { ...out, fileType: pick(['dicom', 'nifti']), timingsMs: Object.fromEntries(Object.entries(rec.timingsMs ?? {}).map(([k, v]) => [k, round(v * slices)])) },
      {
        modality: pick(['MR', 'MR', 'CT', null]), seriesDescription: pick(['T1 AX', 'T2 FLAIR', 'DWI', null]),
        sliceCount: slices, usableSlices: Math.floor(slices * rnd()), spacing: { column: 0.9, row: 0.9, slice: 5 },
        rule: out.status === 'rejected' && out.stage === 'file' ? null : { agreement: 0.6, minUsableSlices: 3 },
      },
    ];
  }

  return { rnd, record, study };
}
