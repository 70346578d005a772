/**
 * Figures as people read them: a calibrated probability, a measured share, a threshold as it is,
 * and a figure beside the rule it was judged by, written so that it never reads on the wrong side of it.
 */
/** Percent for people: one decimal below 99.95 %, never "100.0 %" for a calibrated probability. */
export function percent(v: number | null | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  const p = v * 100;
  if (p >= 99.95) return '> 99.9 %';
  if (p > 0 && p < 0.05) return '< 0.1 %';
  return `${p.toFixed(1)} %`;
}

/**
 * A measured share, a count over a count (a model card's accuracy, recall, a held-out source's
 * answered share): exactly all reads "100 %" and exactly none "0 %". percent()'s "> 99.9 %" stays
 * for a share that rounds up to 100 % but is not all (a card showed 23 of 23 answered as "> 99.9 %").
 * Not for a calibrated probability, which percent() never writes as 100 %.
 */
export function share(v: number | null | undefined): string {
  if (v === 1) return '100 %';
  if (v === 0) return '0 %';
  return percent(v);
}

/** A threshold as it is ("80.0 %", "58.348 %"): percent() wrote 0.58348 "58.3 %", under a figure refused at "58.34 %". */
export function thresholdPercent(t: number): string {
  const p = t * 100;
  for (let digits = 1; digits < 6; digits++) {
    const s = p.toFixed(digits);
    if (Math.abs(Number(s) - p) < 1e-9) return `${s} %`;
  }
  return `${p.toFixed(6)} %`;
}

/**
 * A figure below its threshold and the threshold, as `percent` writes them but with as many decimals
 * as it takes for the two to differ: 0.59996 against 0.6 read "60.0% is below the 60.0%
 * threshold"; now "59.996% … 60.000%". Only for value < threshold (the refusals).
 */
export function pctBelow(value: number, threshold: number): [string, string] {
  for (let digits = 1; digits < 8; digits++) {
    const [v, t] = [(value * 100).toFixed(digits), (threshold * 100).toFixed(digits)];
    if (v !== t) return [`${v} %`, `${t} %`];
  }
  return [`${(value * 100).toFixed(8)} %`, `${(threshold * 100).toFixed(8)} %`];
}

/**
 * A study's slice agreement beside the agreement its rule required (`threshold`, written by
 * thresholdPercent): a whole per cent, unless that reads on the wrong side of the rule. Below it, as
 * pctBelow writes it (25 of 42, 59.5 %, read "60 %" beside "60.0 % of the slices must agree"); at or
 * above it, with the rule's own decimals where the whole per cent would read below it (0.6049 met under
 * STUDY_AGREEMENT=0.6049 read "60 %" beside "60.49 %"). The study page's figures.js agreementPct mirrors it.
 */
export function agreementPercent(value: number, threshold: number): string {
  if (value < threshold) return pctBelow(value, threshold)[0];
  const whole = Math.round(value * 100);
  if (whole >= threshold * 100) return `${whole} %`;
  // the digits thresholdPercent gives the rule: rounded to them, a figure at or above it never reads below it
  const digits = thresholdPercent(threshold).replace(/ %$/, '').split('.')[1]?.length ?? 0;
  return `${(value * 100).toFixed(digits)} %`;
}

/**
 * A figure beside the threshold it was judged by (`thresholdPercent` writes that): never on the wrong side of it.
 * Below it, pctBelow's figure (the refusal messages' own). At it, the threshold's own figure. Above it, percent()'s
 * where that already differs from the threshold rounded alike, else as many decimals as it takes to differ: an
 * answer at 0.58349 under CONFIDENCE_THRESHOLD=0.58348 read "58.3 %" beside "58.348 %", now "58.349 %". Never
 * "100…" for what is not 1 ("> 99.9 %" only where the threshold reads at most 99.9 %). Without a threshold: percent().
 * public/js/figures.js pctBeside mirrors it (test/support/figure-beside-cases.ts, run against both).
 */
export function percentBeside(value: number | null | undefined, threshold: number | null | undefined): string {
  if (typeof value !== 'number' || !Number.isFinite(value) || typeof threshold !== 'number' || !Number.isFinite(threshold)) return percent(value);
  if (value < threshold) return pctBelow(value, threshold)[0];
  if (value === threshold) return thresholdPercent(threshold);
  for (let digits = 1; digits < 9; digits++) {
    const [v, t] = [(value * 100).toFixed(digits), (threshold * 100).toFixed(digits)];
    if (v === t) continue;
    if (digits === 1 && (value * 100 < 99.95 || threshold * 100 <= 99.9)) return percent(value);
    if (Number(v) < 100 || value === 1) return `${v} %`;
  }
  // a hair above it (the two alike at 8 decimals): at it, as it reads
  const last = (value * 100).toFixed(8);
  return Number(last) < 100 || value === 1 ? `${last} %` : '> 99.999999 %';
}
