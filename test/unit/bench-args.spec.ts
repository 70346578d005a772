/**
 * The benches' options (scripts/bench*.mjs) through the commands' one strict parser
 * (src/cli/cli-args.ts, as `npm run cluster` and the CLIs use it). They were read with Number():
 * `--images 0x10` ran with 16, `--levels 1,1e3` ran a 1000-client level, `--forward-runs " 5"`
 * ran 5, `--duration abc` said "bad --duration or --levels" after a stack trace (exit 1),
 * `--explain flase` ran with heat maps, `--forms nifty` ran no study at all, and `--clients 1e1`
 * of `--cluster` started PostgreSQL, Redis and HAProxy. Now each is exit 2 with a sentence naming
 * the option, its range and the value, before anything is read, started or loaded (nothing on
 * stdout: the benches print their first line as they begin). The scripts read the build's parser
 * (dist/), as `npm run bench` builds first; skipped without a build (CI builds first).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const built = fs.existsSync(path.join(ROOT, 'dist/cli/cli-args.js'));

function run(script: string, args: string[]) {
  // a parser that let a value through would go on to work: without models it stops there (exit 1), never a run
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', script), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MODELS_DIR: path.join(ROOT, 'no-such-models-dir') } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectRefused(script: string, args: string[], said: string) {
  const r = run(script, args);
  expect({ args, status: r.status, stdout: r.stdout, said: r.stderr.includes(said) ? said : r.stderr }).toEqual({ args, status: 2, stdout: '', said });
  expect(r.stderr).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
}

(built ? describe : describe.skip)('bench scripts: strict options', () => {
  it.each([
    [['--duration', '2.5'], '--duration must be a whole number from 1 to 3600 (got "2.5")'],
    [['--duration', 'abc'], '--duration must be a whole number from 1 to 3600 (got "abc")'],
    [['--levels', '1,1e3'], '--levels must be whole numbers from 1 to 256, separated by commas (got "1,1e3")'],
    [['--levels', '1,,4'], '--levels must be whole numbers from 1 to 256, separated by commas (got "1,,4")'],
    [['--images', '0x10'], '--images must be a whole number from 1 to 10000 (got "0x10")'],
    [['--forward-runs', ' 5'], '--forward-runs must be a whole number from 1 to 10000 (got " 5")'],
    [['--warmup', '1.5'], '--warmup must be a whole number from 0 to 600 (got "1.5")'],
    [['--soak', '1e1'], '--soak must be a number from 0 to 1440, plain digits with an optional fraction such as 0.5 (got "1e1")'],
    [['--explain', 'flase'], '--explain must be true or false (got "flase")'],
    [['--users', '5'], "Unknown option '--users'"],
    [['--duration', '5', '--duration', '6'], '--duration is given twice ("5", then "6")'],
  ])('npm run bench %j: exit 2 naming it, nothing started', (args, said) => expectRefused('bench.mjs', args, said));

  it.each([
    [['--cluster', '1,9'], '--cluster must be whole numbers from 1 to 8, separated by commas (got "1,9")'],
    [['--cluster', '1', '--clients', '1e1'], '--clients must be a whole number from 1 to 256 (got "1e1")'],
    [['--cluster', '1', '--duration', 'NaN'], '--duration must be a whole number from 1 to 3600 (got "NaN")'],
    [['--cluster', '1', '--explain', 'maybe'], '--explain must be true or false (got "maybe")'],
    [['--cluster', '1', '--levels', '4'], "Unknown option '--levels'"],
  ])('npm run bench %j (cluster mode): exit 2 naming it, nothing started', (args, said) => expectRefused('bench.mjs', args, said));

  it.each([
    [['--runs', '1e3'], '--runs must be a whole number from 1 to 10000 (got "1e3")'],
    [['--clients', '65'], '--clients must be a whole number from 1 to 64 (got "65")'],
    [['--slices', '0x10'], '--slices must be a whole number from 1 to 500 (got "0x10")'],
    [['--warmup', 'abc'], '--warmup must be a whole number from 0 to 100 (got "abc")'],
  ])('npm run bench:study %j: exit 2 naming it, nothing started', (args, said) => expectRefused('bench-study.mjs', args, said));

  it.each([
    [['--rounds', '2.5'], '--rounds must be a whole number from 1 to 100 (got "2.5")'],
    [['--studies', ' 5'], '--studies must be a whole number from 1 to 64 (got " 5")'],
    [['--image-seconds', 'NaN'], '--image-seconds must be a whole number from 1 to 3600 (got "NaN")'],
    [['--forms', 'nifty'], '--forms must be dicom_files, nifti, both separated by a comma, or none (got "nifty")'],
  ])('bench-study-burst %j: exit 2 naming it, nothing started', (args, said) => expectRefused('bench-study-burst.mjs', args, said));

  // --users 1e3 seeded 1000 users, --users abc none (every row's owner undefined)
  it.each([
    [['--users', '1e3'], '--users must be a whole number from 1 to 100000 (got "1e3")'],
    [['--users', 'abc'], '--users must be a whole number from 1 to 100000 (got "abc")'],
    [['--rows', '0x10'], '--rows must be a whole number from 0 to 10000000 (got "0x10")'],
    [['--days', '2.5'], '--days must be a whole number from 1 to 10000 (got "2.5")'],
  ])('seed-history %j: exit 2 naming it, no database opened', (args, said) => {
    const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-seed-args-')), 'h.db');
    expectRefused('seed-history.mjs', [...args, '--db', db], said);
    expect(fs.existsSync(db)).toBe(false);
  });

  it.each([
    ['bench.mjs', [], ['--duration', '--levels', '--soak', '--warmup', '--explain', '--images', '--forward-runs', '--out', '--markdown', '--node-args', '--allow-fake-models', '--cluster']],
    ['bench.mjs', ['--cluster', '1'], ['--cluster', '--clients', '--duration', '--warmup', '--explain']],
    ['bench-study.mjs', [], ['--runs', '--clients', '--slices', '--warmup', '--allow-fake-models', '--out']],
    ['bench-study-burst.mjs', [], ['--baseline', '--rounds', '--studies', '--image-clients', '--image-seconds', '--slices', '--forms', '--out']],
    ['seed-history.mjs', [], ['--db', '--pg', '--rows', '--users', '--days']],
  ])('%s %j --help: every option with its range, exit 0', (script, args, options) => {
    const r = run(script, [...args, '--help']);
    expect(r.status).toBe(0);
    for (const o of options) expect(r.stdout).toContain(o);
  });
});
