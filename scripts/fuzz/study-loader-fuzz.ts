/**
 * The study reader alone, in this process (no server, no HTTP, no models): the seeds of
 * scripts/fuzz/seeds.ts mutated as scripts/fuzz-uploads.ts mutates them and handed to loadStudy.
 * An error without a 4xx `statusCode` is what the service would answer with a 500; a load over 2 s
 * is reported too. Thousands of cases a minute, so it reaches further than the HTTP run:
 *
 *   node -r ts-node/register/transpile-only scripts/fuzz/study-loader-fuzz.ts [cases 2000] [seed 1]
 *
 * Exit code 1 when anything was found. First pass (2026-12-06): 4,300 cases (seeds 11 and 13, 56 s for 4,000), none.
 */
import * as zlib from 'node:zlib';
import { loadStudy, StudyLimits } from '../../src/studies/study-loader';
import { archives } from './archive-mutators';
import { dicom, generic, Mutator, nifti, Rng } from './mutators';
import { buildSeeds } from './seeds';

const CASES = Number(process.argv[2] ?? 2000);
const SEED = Number(process.argv[3] ?? 1);
/** the service's defaults (config.schema.ts) */
const LIMITS: StudyLimits = { maxBytes: 100 * 1024 * 1024, maxSlices: 400, minSide: 64, maxPixels: 2048 * 2048 };

async function main(): Promise<void> {
  const seeds = (await buildSeeds()).filter((s) => s.kind === 'study');
  const found = new Map<string, number>();
  let slow = 0;
  for (let i = 0; i < CASES; i++) {
    const r = new Rng(SEED * 7777 + i);
    const seed = r.pick(seeds);
    let files = seed.files.map((f) => f.data);
    const k = r.int(files.length);
    const family = seed.name.startsWith('dicom') && !seed.name.endsWith('zip') ? dicom : seed.name === 'nifti' || seed.name === 'nifti-pair' ? nifti : null;
    let how: string;
    if (r.next() < 0.1) {
      const name = r.pick(Object.keys(archives).filter((a) => a !== 'bomb')); // a bomb costs seconds to build, the HTTP run has it
      files = [archives[name](seed.files, r)];
      how = `zip.${name}`;
    } else if (seed.name === 'nifti-gz' && r.next() < 0.5) {
      const name = r.pick(Object.keys(nifti));
      files[k] = zlib.gzipSync(nifti[name](zlib.gunzipSync(files[k]), r));
      how = `gz(nifti.${name})`;
    } else {
      const table: Record<string, Mutator> = family && r.next() < 0.6 ? family : generic;
      const name = r.pick(Object.keys(table));
      files[k] = table[name](files[k], r);
      how = name;
      if (r.next() < 0.3) {
        const second = r.pick(Object.keys(generic));
        files[k] = generic[second](files[k], r);
        how += `+${second}`;
      }
    }
    const t0 = performance.now();
    try {
      await loadStudy(
        files.map((f) => new Uint8Array(f)),
        LIMITS,
      );
    } catch (e) {
      const status = (e as { statusCode?: unknown }).statusCode;
      if (typeof status !== 'number' || status >= 500) {
        const key = `${(e as Error).constructor?.name}: ${String((e as Error).message).slice(0, 160)}`;
        if (!found.has(key)) console.log(`case ${i} (${seed.name} ${how}) → ${key}\n${(e as Error).stack?.split('\n').slice(1, 5).join('\n')}`);
        found.set(key, (found.get(key) ?? 0) + 1);
      }
    }
    const ms = performance.now() - t0;
    if (ms > 2000) {
      slow++;
      console.log(`case ${i} (${seed.name} ${how}) took ${Math.round(ms)} ms`);
    }
  }
  console.log(JSON.stringify({ cases: CASES, seed: SEED, unnamedErrors: Object.fromEntries(found), slow }));
  process.exit(found.size || slow ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
