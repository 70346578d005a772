/**
 * What a heat map is, in the words every surface that shows one uses (the page's viewer, the study
 * page, the answer without JavaScript, the PDF): users read the map as evidence, so each says the
 * method, that it is for the class named beside it, and what it is not.
 */

/** The method's name (docs/model-contract.md: cam[c] = Σ_k W[c,k]·A_k, the classifier's weights over the last feature maps). */
export const HEATMAP_METHOD = 'class activation map (CAM)';

export const HEATMAP_NOTE =
  'The heat map is a class activation map (CAM; for these models the same as Grad-CAM at the last layer) for the class named: ' +
  'where the model’s evidence for that class lay, on a coarse grid smoothed over the image. ' +
  'Colours run from dark purple (least) to yellow (most). ' +
  'It is not a segmentation or outline of a lesion, not proof of a finding, and not for clinical use.';

/**
 * Said instead of a map where camFocus() finds no region standing out (explanation.focus 'none'):
 * a flat map scaled to its own peak is painted hot everywhere, and an empty one is the plain image —
 * either would read as evidence under "Heat map for …".
 */
export const NO_FOCUS_NOTE =
  'No region stands out for this answer: the class activation map is flat or empty (more than half of it at or above half its peak, or nothing above zero), ' +
  'so no heat map is drawn over the image.';

/** "Heat map for Glioma": the caption naming the class the map explains (`label`: its display name). */
export function heatmapCaption(label: string | null): string {
  return label ? `Heat map for ${label}` : 'Heat map';
}

/**
 * Which way round a study's slices and their heat maps are shown (StudyMeta.plane): a map hot on the
 * image's left is on the patient's right in radiological convention, and on neither side one can
 * tell when the orientation is unknown. The study page shows the sentence for its plane.
 */
export const ORIENTATION_WORDS: Record<'axial' | 'coronal' | 'sagittal' | 'unknown', string> = {
  axial: 'Axial slices, shown in radiological convention: the patient’s right is on the image’s left.',
  coronal: 'Coronal slices, shown in radiological convention: the patient’s right is on the image’s left.',
  sagittal: 'Sagittal slices, shown in radiological convention: anterior is on the image’s left.',
  unknown: 'The slices’ orientation is unknown: they are shown as stored, so the patient’s left and right cannot be told from the image.',
};
