/** Handlebars helpers used by the views (percentages, equality, figures kept whole). Kept tiny on purpose. */
import { refusedFilterFields } from '../presentation/history-filters.view';
import { countOf } from '../presentation/plural';
import { waitWords } from '../presentation/wait-words';

interface HbsLike {
  registerHelper(name: string, fn: (...args: unknown[]) => unknown): void;
}

export function formatPercent(value: unknown, digits = 1): string {
  return typeof value === 'number' && Number.isFinite(value) ? `${(value * 100).toFixed(digits)}%` : '—';
}

/**
 * A figure with its per-cent sign as the messages write them ("99.3 %", "> 99.9 %", "59.996 %"), and a
 * bound as the model card's figure names write it ("≥ 60.0 %": its "≥" sat alone at the end of a line),
 * and a range as a card's limits write it ("100.0-100.0 %" broke at its hyphen);
 * public/js/figures.js showMessage finds the same ones on the pages a script fills.
 */
export const FIGURE_PATTERN = /(?:[<>≤≥] )?(?:\d+(?:\.\d+)?[-–])?\d+(?:\.\d+)? %/g;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;', '`': '&#x60;', '=': '&#x3D;' };
const escapeHtml = (s: string) => s.replace(/[&<>"'`=]/g, (c) => ESCAPES[c]);

/**
 * A message as sent (the API's words are not changed), escaped, with each figure in a span that does
 * not wrap: "(99.3 % calibrated confidence)" put its "%" at the start of a line at phone widths.
 * Returned as an object with toHTML, which Handlebars writes unescaped (as it does a SafeString).
 */
export function figuresHtml(value: unknown): { toHTML(): string; toString(): string } {
  const text = typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
  let html = '';
  let at = 0;
  for (const m of text.matchAll(FIGURE_PATTERN)) {
    const start = m.index ?? 0;
    html += `${escapeHtml(text.slice(at, start))}<span class="figure">${escapeHtml(m[0])}</span>`;
    at = start + m[0].length;
  }
  html += escapeHtml(text.slice(at));
  return { toHTML: () => html, toString: () => html };
}

/**
 * A name joined by "_" or "/" ("spine_lumbar_axial_myosegmentum", "DBC-Lab/Brain_MRI_Enhancement"),
 * escaped, with a line-break opportunity after each: on a phone it breaks there, as at a hyphen,
 * instead of sticking out or (with overflow-wrap: anywhere) breaking mid-word.
 */
export function joinsHtml(value: unknown): { toHTML(): string; toString(): string } {
  const text = typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
  const html = escapeHtml(text).replace(/([_/])(?=[^\s])/g, '$1<wbr>');
  return { toHTML: () => html, toString: () => html };
}

export function registerViewHelpers(hbs: HbsLike): void {
  hbs.registerHelper('percent', (value: unknown) => formatPercent(value));
  hbs.registerHelper('figures', (value: unknown) => figuresHtml(value));
  hbs.registerHelper('joins', (value: unknown) => joinsHtml(value));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // {{countNoun n "record"}}, {{countNoun n "analysis" "analyses"}}: "1 record", "0 records" (Handlebars passes its
  // options last). Not named `count`: a helper wins over a context field of its name, and the history summary's and
  // the model card's rows print their own `{{count}}` field ("[object Object]" while it was so named)
  hbs.registerHelper('countNoun', (n: unknown, one: unknown, ...rest: unknown[]) =>
    typeof n === 'number' && typeof one === 'string' ? countOf(n, one, typeof rest[0] === 'string' ? rest[0] : undefined) : String(n ?? ''));
  // a rate-limited page's wait, worded as wait.js counts it down ("15 min", not "900 s" under "Please wait 15 minutes")
  hbs.registerHelper('waitWords', (s: unknown) => (typeof s === 'number' ? waitWords(s) : String(s ?? '')));
  hbs.registerHelper('year', () => new Date().getUTCFullYear());
  // the history form: does the refused filter's message name this field?
  hbs.registerHelper('refusedFilter', (message: unknown, field: unknown) => typeof field === 'string' && refusedFilterFields(message).includes(field));
}
