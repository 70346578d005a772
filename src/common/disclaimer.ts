/** Shown on every page and returned in every analysis result. */
export const DISCLAIMER =
  'Research use only — not for clinical use. MRI Sentinel is not a medical device; its output must not be used for diagnosis or treatment decisions.';
export const DISCLAIMER_SHORT = 'Research use only — not for clinical use';

/**
 * The same words in ASCII, for the surfaces where a non-ASCII character does harm: an HTTP
 * header value (Node refuses the em dash there) and the CSV export, which Excel opens as
 * Windows-1252 unless the file starts with a BOM — and a BOM would turn the first column's name
 * into "\uFEFFid" for csv readers that do not strip it.
 */
export const DISCLAIMER_ASCII = DISCLAIMER.replace(/ — /g, ' - ');

/**
 * Shown right at an answer whose diagnosis model is marked `experimental` in its card (e.g.
 * brain_tumor 4.1.0: it does not hold on collections it was not trained on). Pages get it as a view
 * local (the layout's `data-experimental-notice`, which the page scripts read); PDFs import it.
 */
export const EXPERIMENTAL_NOTICE =
  'Experimental model — not validated on images from other hospitals; treat this answer as a demonstration.';
