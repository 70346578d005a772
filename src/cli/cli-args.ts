import { parseArgs, ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * The command-line options of the CLIs (evaluate, user:create, descriptions:rescrub), by parseArgs,
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
