import { parseArgs, ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * The command-line options of the CLIs (evaluate, user:create, descriptions:rescrub) and of the
 * scripts (cluster, bench*), by parseArgs,
 * with what parseArgs lets through refused: a value option given twice (parseArgs keeps the last
 * one without a word: `--manifest a.csv --manifest b.csv` evaluated b.csv alone, `--email` twice
 * created the second user) and an empty value, as an unset shell variable gives it (`--root "$DATA"`
 * read the rows under the current folder). A repeated switch (`--force --force`) is harmless.
 * Throws an Error whose message the caller prints with its usage (exit 2).
 */
export function parseOptions<T extends Options>(argv: string[], options: T) {
  const { values, tokens } = parseArgs({ args: argv, options, tokens: true, strict: true, allowPositionals: false });
  const seen = new Map<string, string>();
  for (const t of tokens) {
    if (t.kind !== 'option' || t.value === undefined) continue;
    const before = seen.get(t.name);
    if (before !== undefined) throw new Error(`--${t.name} is given twice ("${before}", then "${t.value}"): it takes one value; give it once`);
    if (!t.value.trim()) throw new Error(`--${t.name} is empty: give a value or leave the option out (an unset shell variable?)`);
    seen.set(t.name, t.value);
  }
  return values;
}

/**
 * A whole-number option (descriptions:rescrub --batch-size, evaluate --limit and --concurrency),
 * or undefined when not given: ASCII digits only, within [min, max] (max at most 2^53 − 1, where a
 * Number still holds the digits typed). Number() read `1e3` as 1000, `0x10` as 16, `1.0` as 1,
 * ` 5` as 5: a typo or a script's float ran as some other number without a word. Throws an Error
 * naming the option, its range and the value, which the caller prints with its usage (exit 2).
 */
export function integerOption(name: string, raw: string | undefined, range: { min: number; max?: number }): number | undefined {
  if (raw === undefined) return undefined;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const n = /^[0-9]+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= range.min && n <= max)) {
    const bounds = range.max === undefined ? `of at least ${range.min}` : `from ${range.min} to ${range.max}`;
    throw new Error(`--${name} must be a whole number ${bounds} (got "${raw}")`);
  }
  return n;
}

/**
 * A comma-separated list of whole numbers (the benches' `--levels 1,4,16`, `--cluster 1,2,3`), or
 * undefined when not given: each item as integerOption takes it. Number() read `1,1e3` as 1 and
 * 1000 and an empty item (`1,,4`) as 0. Throws an Error naming the option, the range and the value.
 */
export function integerListOption(name: string, raw: string | undefined, range: { min: number; max: number }): number[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((item) => (/^[0-9]+$/.test(item) ? Number(item) : NaN));
  if (!items.every((n) => n >= range.min && n <= range.max)) throw new Error(`--${name} must be whole numbers from ${range.min} to ${range.max}, separated by commas (got "${raw}")`);
  return items;
}

/**
 * A number where a fraction is meant (the soak's `--soak 0.5` minutes), or undefined when not
 * given: ASCII digits with an optional fraction, within [min, max]. Number() also took `1e1`,
 * `0x10`, ` 5` and `.5`. Throws an Error naming the option, the range and the value.
 */
export function decimalOption(name: string, raw: string | undefined, range: { min: number; max: number }): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^[0-9]+(\.[0-9]+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= range.min && n <= range.max)) throw new Error(`--${name} must be a number from ${range.min} to ${range.max}, plain digits with an optional fraction such as 0.5 (got "${raw}")`);
  return n;
}
