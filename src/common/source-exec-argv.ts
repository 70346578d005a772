import * as path from 'node:path';

/**
 * scripts/ts-register.cjs, from this folder of the sources (src/common). Only a worker running a
 * .ts module needs it, and .ts modules are run only from the sources (jest, the scripts): the
 * build's workers are its .js files beside their parents.
 */
export const TS_REGISTER = path.resolve(__dirname, '../../scripts/ts-register.cjs');

/**
 * execArgv of a worker thread running `script`: a .ts module runs through the repository's cached
 * TypeScript loader (ts-node transpiled every module again in every thread: 1.5 s of CPU an
 * inference worker, four to six of them per app a test starts); a .js one needs nothing.
 */
export function sourceExecArgv(script: string): string[] | undefined {
  return script.endsWith('.ts') ? ['-r', TS_REGISTER] : undefined;
}
