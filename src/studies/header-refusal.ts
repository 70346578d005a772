import type { ModelCard } from '../inference/model-card';
import { scopeFromCards, scopeSentence } from '../presentation/labels';
import type { Refusal } from '../validation/refusal-cause';
import { refusalMessage } from '../validation/refusal-message';
import type { StudyResult } from './study-result';
import type { LoadedStudy } from './study-loader';

type Refused = Extract<LoadedStudy, { kind: 'not_mri' | 'unsupported_part' }>;

/**
 * A study refused from its DICOM header alone, before any pixel is decoded or model is run: the
 * Modality is not MR, or Body Part Examined names a part the service does not analyse.
 */
export function headerRefusal(loaded: Refused, cards: ModelCard[]): Omit<StudyResult, 'timingsMs' | 'disclaimer' | 'thresholds'> {
  const scope = scopeSentence(scopeFromCards(cards));
  const notMri = loaded.kind === 'not_mri';
  // never null here: not_mri comes from a Modality other than MR
  // the scope sentence is stored with the body part: the record's reason says it as this answer did
  const refusal: Refusal = notMri ? { cause: 'header_modality', figures: { modality: loaded.meta.modality ?? 'OTHER' } } : { cause: 'header_body_part', figures: { bodyPart: loaded.bodyPart, scope } };
  return {
    status: 'rejected',
    stage: notMri ? 'modality' : 'anatomy',
    code: notMri ? 'NOT_MRI' : 'UNSUPPORTED_BODY_PART',
    message: refusalMessage(refusal, { study: true }) ?? '',
    refusal,
    isMri: !notMri,
    mriConfidence: null,
    anatomy: null,
    anatomyConfidence: null,
    task: null,
    label: null,
    confidence: null,
    probabilities: {},
    explanation: null,
    modelVersions: {},
    experimental: false, // no model ran
    caveat: null,
    study: { ...loaded.meta, aggregation: null },
    slices: [],
  };
}
