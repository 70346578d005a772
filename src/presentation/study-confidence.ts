/**
 * A study's figure: its top class's probability as the study rule (study-aggregate.ts AGGREGATION_RULE)
 * combined it from its slices' calibrated probabilities — the most suspicious pair of neighbouring slices,
 * or a mean. Each slice's figure is calibrated; the combination has not been calibrated on studies, so it
 * is not called "Calibrated confidence" as one image's is. The study page (study.hbs), the history detail
 * and the PDF say these same words.
 */
export const STUDY_CONFIDENCE_NAME = 'Study confidence';
export const STUDY_CONFIDENCE_NOTE =
  "Combined from the slices' calibrated probabilities by the study rule, so not itself calibrated; below the confidence threshold the study is “Unable to determine”.";
/** One image's figure, calibrated on the model's test images. */
export const IMAGE_CONFIDENCE_NAME = 'Calibrated confidence';

/** The figure's name for a record: a study's or one image's. */
export function confidenceName(r: { study?: unknown }): string {
  return r.study ? STUDY_CONFIDENCE_NAME : IMAGE_CONFIDENCE_NAME;
}
