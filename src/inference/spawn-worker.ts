import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread running `<baseName>.js` next to this file (the build), or its `.ts` source
 * under ts-node when run from the sources (jest, the CLI in development). Unref'd: a worker
 * never keeps the process (CLI, tests) alive on its own.
 */
export function spawnWorker(baseName: string): Worker {
  const js = path.join(__dirname, `${baseName}.js`);
  const worker = fs.existsSync(js)
    ? new Worker(js)
    : new Worker(path.join(__dirname, `${baseName}.ts`), { execArgv: ['-r', 'ts-node/register/transpile-only'] });
  worker.unref();
  return worker;
}
