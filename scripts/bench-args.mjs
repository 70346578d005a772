/**
 * The benches' options (bench.mjs, bench-cluster.mjs, bench-study.mjs, bench-study-burst.mjs)
 * through the commands' one strict parser, src/cli/cli-args.ts as built to dist/ (`npm run bench`
 * and `npm run bench:study` build first, as `npm run cluster` does). They were read with Number():
 * `--images 0x10` ran with 16 images, `--levels 1,1e3` a 1000-client level, `--explain flase` with
 * heat maps, and a bad value surfaced, if at all, as a stack trace after the models had loaded or
 * a cluster had started. Now a bad option is exit 2 with a sentence naming it, its range and the
 * value, before anything is read or started; `--help` lists the options.
 */
let cli;
try {
  cli = await import('../dist/cli/cli-args.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
  console.error('The benches read their options with the build (dist/cli/cli-args.js), which is missing: run `npm run build` first (npm run bench does).');
  process.exit(1);
}

/** `--explain true|false` (also 1/0, yes/no): anything else was taken as true. */
export function booleanOption(name, raw) {
  if (raw === undefined) return undefined;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new Error(`--${name} must be true or false (got "${raw}")`);
}

/** The parsers handed to a bench's `read`: each returns undefined for an option not given. */
const PARSERS = { integer: cli.integerOption, integerList: cli.integerListOption, decimal: cli.decimalOption, boolean: booleanOption };

/**
 * Parses argv with `options` (parseArgs's shape; --help/-h added), prints `usage` and exits 0 on
 * --help, and returns what `read(values, parsers)` makes of the values; any refusal, from the
 * parser or from `read`, is printed with the usage, exit 2.
 */
export function benchOptions(argv, options, usage, read) {
  try {
    const values = cli.parseOptions(argv, { ...options, help: { type: 'boolean', short: 'h' } });
    if (values.help) {
      console.log(usage);
      process.exit(0);
    }
    return read(values, PARSERS);
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    process.exit(2);
  }
}
