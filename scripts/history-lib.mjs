// Shared by the history-at-scale scripts (seed-history, measure-history, explain-history).
import { createRequire } from 'node:module';
import * as path from 'node:path';

/** `--name value` pairs of the command line as an object. */
export const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);

/** The seeded database file the scripts share (`--db`). */
export const DB = args.db ?? '/tmp/hist/sentinel.db';

/** A module of the production build (dist/, so `npm run build` first). */
const require = createRequire(import.meta.url);
const dist = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../dist');
export const fromDist = (rel) => require(`${dist}/${rel}`);
export { require };
