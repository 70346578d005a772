#!/usr/bin/env node
// npm run cluster -- --replicas 3 [--port 8080]
// PostgreSQL + Redis + N replicas of the production build + HAProxy on this machine, until Ctrl-C
// (then everything is stopped and the temp folder's data is left for inspection). Replicas take
// the rest of their settings from the environment (e.g. INFERENCE_WORKERS, MODELS_DIR).
import { parseArgs } from 'node:util';
import { startCluster } from './cluster/lib.mjs';

const { values } = parseArgs({ options: { replicas: { type: 'string', default: '2' }, port: { type: 'string', default: '8080' }, help: { type: 'boolean' } } });
if (values.help) {
  console.log('Usage: npm run cluster -- [--replicas N] [--port 8080]');
  process.exit(0);
}
const replicas = Number(values.replicas);
if (!Number.isInteger(replicas) || replicas < 1 || replicas > 16) {
  console.error('--replicas must be an integer from 1 to 16');
  process.exit(2);
}
const cluster = await startCluster({ replicas, port: Number(values.port), log: (m) => console.log(`[cluster] ${m}`) });
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
