/**
 * One table of figures beside their thresholds, run against percent.ts percentBeside (test/unit/figure-beside.spec.ts)
 * and against public/js/figures.js pctBeside in a browser (threshold-figures.browser.spec.ts): the two rules are one.
 * [value, threshold, as written]. A figure never reads on the wrong side of its threshold (thresholdPercent), and never
 * "100 %" or "0 %" for what is not exactly that.
 */
export const FIGURE_BESIDE_CASES: [value: number | null, threshold: number | null, written: string][] = [
  // answered just above CONFIDENCE_THRESHOLD=0.58348: it read "58.3 %" beside "58.348 %"
  [0.58349, 0.58348, '58.349 %'],
  [0.5835, 0.58348, '58.4 %'],
  [0.58348, 0.58348, '58.348 %'],
  [0.58347, 0.58348, '58.347 %'],
  [0.5831, 0.58348, '58.31 %'],
  [0.6, 0.6, '60.0 %'],
  [0.60001, 0.6, '60.001 %'],
  [0.6004, 0.6, '60.04 %'],
  [0.6 + 1e-12, 0.6, '60.00000000 %'],
  [0.59996, 0.6, '59.996 %'],
  [0.9, 0.6, '90.0 %'],
  [0.3, 0.6, '30.0 %'],
  [0.6049, 0.6049, '60.49 %'],
  [0.605, 0.6049, '60.50 %'],
  [1 / 3 + 1e-6, 1 / 3, '33.3334 %'],
  // never 100 % for what is not exactly 1: "> 99.9 %" where the threshold reads at most 99.9 %, else the decimals it takes
  [0.99999, 0.6, '> 99.9 %'],
  [1, 0.6, '> 99.9 %'],
  [0.99996, 0.9993, '99.996 %'],
  [0.9996, 0.9995, '99.96 %'],
  // no threshold, or no figure: percent()
  [0.61, null, '61.0 %'],
  [null, 0.6, '—'],
  [Number.NaN, 0.6, '—'],
];
