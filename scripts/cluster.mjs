#!/usr/bin/env node
// npm run cluster -- --replicas 3 [--port 8080]
// PostgreSQL + Redis + N replicas of the production build + HAProxy on this machine, until Ctrl-C
// (then everything is stopped and the temp folder's data is left for inspection). Replicas take
// the rest of their settings from the environment (e.g. INFERENCE_WORKERS, MODELS_DIR).
// The options go through the commands' one parser (src/cli/cli-args.ts, built by `precluster`):
// `--replicas 1e0` passed Number() as 1, and `--port abc` was not checked at all — PostgreSQL, Redis
// and the replicas started before HAProxy failed on port NaN.
import { integerOption, parseOptions } from '../dist/cli/cli-args.js';
import { startCluster } from './cluster/lib.mjs';

const USAGE = 'Usage: npm run cluster -- [--replicas N] [--port 8080]   (replicas 1 to 16, default 2; port 1 to 65535)';
let replicas;
let port;
try {
  const values = parseOptions(process.argv.slice(2), { replicas: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean' } });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  replicas = integerOption('replicas', values.replicas, { min: 1, max: 16 }) ?? 2;
  port = integerOption('port', values.port, { min: 1, max: 65535 }) ?? 8080;
} catch (err) {
  console.error(`${err.message}\n${USAGE}`);
  process.exit(2);
}
const cluster = await startCluster({ replicas, port, log: (m) => console.log(`[cluster] ${m}`) });
console.log(`\nMRI Sentinel: ${cluster.url}  (admin ${cluster.env.SEED_ADMIN_EMAIL} / ${cluster.env.SEED_ADMIN_PASSWORD})`);
console.log(`logs and data: ${cluster.dir} — Ctrl-C stops everything\n`);
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    console.log('[cluster] stopping…');
    await cluster.stop();
    process.exit(0);
  });
}
