/**
 * Times loadStudy on generated percentile-windowed studies (no header window: the robust
 * 0.5–99.5 % window of the whole volume) and counts how often each slice is decoded.
 * Not a test (no timing is ever asserted): run by hand, before and after a change,
 *   node -r ts-node/register/transpile-only scripts/measure-study-window.ts [runs]
 */
import { performance } from 'node:perf_hooks';
import * as dicomPixels from '../src/studies/dicom-pixels';
import { loadStudy } from '../src/studies/study-loader';
import { dicomSeries, dicomSlice, nifti1, syntheticSlice } from '../test/support/study-fixtures';

const SIDE = 512;
const SLICES = 20;
const LIMITS = { maxBytes: 100 * 1024 * 1024, maxSlices: 400, minSide: 64, maxPixels: 4 * 1024 * 1024 };

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 7);
  const slices = Array.from({ length: SLICES }, (_, k) => syntheticSlice(SIDE, SIDE, (x, y) => ((x * 3 + y * 5 + k * 11) % 251) + (x === y ? 4 : 0)));
  const studies: Record<string, Uint8Array[]> = {
    'DICOM native 16-bit': dicomSeries(slices, { window: false }).map((b) => new Uint8Array(b)),
    'DICOM RLE 16-bit': slices.map((s, i) => new Uint8Array(dicomSlice(s, { window: false, rle: true, z: 5 * i, instanceNumber: i + 1 }))),
    'NIfTI int16': [new Uint8Array(nifti1([SIDE, SIDE, SLICES], (i, j, k) => (i * 3 + j * 5 + k * 11) % 1000))],
    // the same field with half the rows at twice the spacing: each slice stretched back to 512² (square pixels)
    'NIfTI int16, 512 × 256 at 0.5 × 1.0 mm': [new Uint8Array(nifti1([SIDE, SIDE / 2, SLICES], (i, j, k) => (i * 3 + j * 10 + k * 11) % 1000, { pixdim: [0.5, 1, 5] }))],
  };
  // counts decodes through the module's export (the loader calls it through the module object)
  let decodes = 0;
  const original = dicomPixels.decodeFrame;
  (dicomPixels as { decodeFrame: typeof original }).decodeFrame = (inst, f) => {
    decodes++;
    return original(inst, f);
  };
  for (const [name, files] of Object.entries(studies)) {
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      decodes = 0;
      const t = performance.now();
      const study = await loadStudy(files, LIMITS);
      times.push(performance.now() - t);
      if (study.kind !== 'slices' || study.meta.windowing !== 'percentile') throw new Error(`${name}: expected a percentile-windowed study`);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    console.log(`${name}: ${SLICES} × ${SIDE}², median ${median.toFixed(1)} ms (min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)}) over ${runs} runs; DICOM frame decodes per load: ${decodes}`);
  }
}

void main();
