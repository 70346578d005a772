/** Handlebars helpers used by the views (percentages, equality). Kept tiny on purpose. */
interface HbsLike {
  registerHelper(name: string, fn: (...args: unknown[]) => unknown): void;
}

export function formatPercent(value: unknown, digits = 1): string {
  return typeof value === 'number' && Number.isFinite(value) ? `${(value * 100).toFixed(digits)}%` : '—';
}

export function registerViewHelpers(hbs: HbsLike): void {
  hbs.registerHelper('percent', (value: unknown) => formatPercent(value));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('year', () => new Date().getUTCFullYear());
}
