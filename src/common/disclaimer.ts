/** Shown on every page and returned in every analysis result. */
export const DISCLAIMER =
  'Research use only — not for clinical use. MRI Sentinel is not a medical device; its output must not be used for diagnosis or treatment decisions.';
export const DISCLAIMER_SHORT = 'Research use only — not for clinical use';
