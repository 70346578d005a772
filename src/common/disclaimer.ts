/** Shown on every page and returned in every analysis result. */
export const DISCLAIMER =
  'Research use only — not for clinical use. MRI Sentinel is not a medical device; its output must not be used for diagnosis or treatment decisions.';
export const DISCLAIMER_SHORT = 'Research use only — not for clinical use';

/**
 * Shown right at an answer whose diagnosis model is marked `experimental` in its card (e.g.
 * brain_tumor 4.1.0: it does not hold on collections it was not trained on). Pages get it as a view
 * local (the layout's `data-experimental-notice`, which the page scripts read); PDFs import it.
 */
export const EXPERIMENTAL_NOTICE =
  'Experimental model — not validated on images from other hospitals; treat this answer as a demonstration.';
