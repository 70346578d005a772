/**
 * CPU the server spends on a study after it has answered 504 ANALYSIS_TIMEOUT: StudyService
 * (fake models: the loading is what is measured) on generated large studies — an anisotropic
 * NIfTI (decoded, percentile-windowed, resampled to square pixels) and a native 16-bit DICOM
 * series without a header window — with STUDY_TIMEOUT_MS cut short. From the 504 on, the process
 * CPU time is sampled every 100 ms until 3 samples in a row are idle (< 5 ms each).
 * Not a test (timings are never asserted): run by hand, before and after a change,
 *   node -r ts-node/register/transpile-only scripts/measure-study-abort.ts [timeoutMs] [runs]
 * MEASURE_FROM=/path/to/src measures another copy of the sources (e.g. main's, copied with its
 * node_modules linked beside it).
 */
import { performance } from 'node:perf_hooks';
import * as path from 'node:path';
import { dicomSeries, nifti1, syntheticSlice } from '../test/support/study-fixtures';

const from = process.env.MEASURE_FROM ? path.resolve(process.env.MEASURE_FROM) : path.resolve(__dirname, '../src');
/* eslint-disable @typescript-eslint/no-require-imports */
const { parseEnv } = require(`${from}/config/config.schema`) as typeof import('../src/config/config.schema');
const { AppConfig } = require(`${from}/config/config.service`) as typeof import('../src/config/config.service');
const { StudyService } = require(`${from}/studies/study.service`) as typeof import('../src/studies/study.service');
const { PixelBudget } = require(`${from}/inference/pixel-budget`) as typeof import('../src/inference/pixel-budget');
/* eslint-enable @typescript-eslint/no-require-imports */
type Service = import('../src/studies/study.service').StudyService;
type Ctor = ConstructorParameters<typeof StudyService>;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function afterTimeout(service: Service, files: Uint8Array[]): Promise<{ answered: string; answeredMs: number; cpuAfterMs: number; busyAfterMs: number }> {
  const t = performance.now();
  let answered = '';
  try {
    await service.analyze(files);
    answered = '200';
  } catch (err) {
    answered = String((err as { code?: unknown }).code ?? err);
  }
  const answeredMs = performance.now() - t;
  const cpu0 = cpuMs();
  const t0 = performance.now();
  let idle = 0;
  let last = cpu0;
  let busyUntil = t0;
  while (idle < 3) {
    await sleep(100);
    const now = cpuMs();
    if (now - last < 5) idle++;
    else {
      idle = 0;
      busyUntil = performance.now();
    }
    last = now;
  }
  return { answered, answeredMs, cpuAfterMs: last - cpu0, busyAfterMs: busyUntil - t0 };
}

async function main(): Promise<void> {
  const timeoutMs = Number(process.argv[2] ?? 400);
  const runs = Number(process.argv[3] ?? 3);
  const config = new AppConfig(parseEnv({ STUDY_TIMEOUT_MS: String(timeoutMs) }));
  const fakeResult = { status: 'rejected', stage: 'modality', code: 'NOT_MRI', modelVersions: {}, probabilities: {}, timingsMs: {} };
  const analysis = { analyzePixels: async () => fakeResult } as unknown as Ctor[1];
  const models = { triageCard: () => ({}), cards: () => [], diagnosisCardFor: () => undefined } as unknown as Ctor[2];
  const service = new StudyService(config, analysis, models, { budget: new PixelBudget(config.pixelBudget, config.pixelQueueLimit) });

  const SLICES = 60;
  const studies: Record<string, Uint8Array[]> = {
    // 1024 × 512 at 0.5 × 1.0 mm: every slice resampled to 1024 × 1024 (94 MB of the 100 MB limit)
    [`NIfTI int16 1024×512×${SLICES}, 0.5×1.0 mm`]: [new Uint8Array(nifti1([1024, 512, SLICES], (i, j, k) => (i * 3 + j * 10 + k * 11) % 1000, { pixdim: [0.5, 1, 3] }))],
    [`DICOM native 16-bit 1024×768 ×${SLICES}, no header window`]: dicomSeries(
      Array.from({ length: SLICES }, (_, k) => syntheticSlice(1024, 768, (x, y) => (x * 3 + y * 5 + k * 11) % 251)),
      { window: false },
    ).map((b) => new Uint8Array(b)),
  };
  console.log(`StudyService from ${from}; STUDY_TIMEOUT_MS=${timeoutMs}`);
  for (const [name, files] of Object.entries(studies)) {
    for (let r = 0; r < runs; r++) {
      const m = await afterTimeout(service, files);
      console.log(
        `${name}: answered ${m.answered} after ${m.answeredMs.toFixed(0)} ms; then ${(m.cpuAfterMs / 1000).toFixed(2)} CPU s in the background, busy for ${m.busyAfterMs.toFixed(0)} ms`,
      );
    }
  }
}

void main();
