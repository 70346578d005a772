/**
 * A count and its noun, singular for one ("1 record", "1 analysis") and plural otherwise ("0 records",
 * "3 analyses"): pages wrote "1 records" and "Summary · 1 analyses". The one place that picks the form;
 * the Handlebars helper `count` (view-helpers.ts) and public/js/figures.js S.count write the same words.
 * Thousands are grouped as the history's other counts are ("1,234 records").
 */
export function countOf(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-GB')} ${count === 1 ? one : many}`;
}
