/**
 * Decoded pixels in flight and peak RSS while several studies of large frames run at once:
 * StudyService (fake models: the loading is what is measured) with N concurrent studies of
 * `slices` frames of side × side grey `kind` — jpeg (JPEG Baseline), rle (RLE Lossless, 16-bit) or
 * native (16-bit) DICOM — (default 8 studies × 4 frames of 2048², the largest
 * STUDY_MAX_SLICE_PIXELS allows), under INFERENCE_PIXEL_BUDGET = `budget`. Optionally, another
 * large image holds `held` pixels of the same budget for the first `heldMs` ms (an upload being
 * decoded). The frame decoder's export is wrapped to count the pixels being decoded at once.
 * Peak RSS is the kernel's VmHWM, reset (clear_refs 5) after the inputs are built.
 * Not a test (nothing is asserted): run by hand, before and after a change, one setting a process:
 *   node --expose-gc -r ts-node/register/transpile-only scripts/measure-study-pixels.ts [budget] [studies] [slices] [side] [held] [heldMs] [jpeg|rle|native]
 */
import { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseEnv } from '../src/config/config.schema';
import { AppConfig } from '../src/config/config.service';
import type { ImageDecodeService } from '../src/inference/image-decode.service';
import { PixelBudget } from '../src/inference/pixel-budget';
import * as dicomPixels from '../src/studies/dicom-pixels';
import { StudyService } from '../src/studies/study.service';
import { dicomJpegSlice } from '../test/support/jpeg-dicom-fixtures';
import { dicomSlice, syntheticSlice } from '../test/support/study-fixtures';

type Ctor = ConstructorParameters<typeof StudyService>;

const status = (key: string): number => Number(/(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(key)) ?? '')?.[1] ?? NaN) / 1024;

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const [budgetPx, studies, slices, side, held, heldMs] = [48_000_000, 8, 4, 2048, 0, 500].map((d, i) => Number(process.argv[2 + i] ?? d));
  const kind = process.argv[8] ?? 'jpeg';
  if (!['jpeg', 'rle', 'native'].includes(kind)) throw new Error(`kind: jpeg, rle or native, not ${kind}`);
  const config = new AppConfig(parseEnv({ INFERENCE_PIXEL_BUDGET: String(budgetPx), INFERENCE_PIXEL_QUEUE: String(studies), STUDY_MAX_SLICE_PIXELS: String(side * side) }));
  const fakeResult = { status: 'rejected', stage: 'modality', code: 'NOT_MRI', modelVersions: {}, probabilities: {}, timingsMs: {} };
  const analysis = { analyzePixels: async () => fakeResult } as unknown as Ctor[1];
  const models = { triageCard: () => ({}), cards: () => [], diagnosisCardFor: () => undefined } as unknown as Ctor[2];
  const budget = new PixelBudget(config.pixelBudget, config.pixelQueueLimit);
  // before the change the fourth argument was the optional study recorder: this object is both
  const images = { budget, recordStudy: async () => null } as unknown as ImageDecodeService;
  const service = new (StudyService as unknown as new (...a: unknown[]) => StudyService)(config, analysis, models, images);

  const files = await Promise.all(
    Array.from({ length: slices }, async (_, k) => {
      const slice = syntheticSlice(side, side, (x, y) => 40 + ((x * 3 + y * 5 + k * 11) % 180));
      const at = { z: 5 * k, instanceNumber: k + 1 };
      return new Uint8Array(kind === 'jpeg' ? await dicomJpegSlice(slice, at) : dicomSlice(slice, { ...at, rle: kind === 'rle' }));
    }),
  );

  // counts the pixels being decoded at once, through the module's export (the loader calls it so)
  let inFlight = 0;
  let peak = 0;
  let decodes = 0;
  let holding = 0; // the other image's pixels count as decoded while it holds them
  const original = dicomPixels.decodeFrame;
  (dicomPixels as { decodeFrame: typeof original }).decodeFrame = async (inst, f, signal) => {
    const px = inst.rows * inst.columns;
    inFlight += px;
    peak = Math.max(peak, inFlight + holding);
    try {
      return await original(inst, f, signal);
    } finally {
      inFlight -= px;
      decodes++;
    }
  };
  const track = setInterval(() => (peak = Math.max(peak, inFlight + holding)), 1);
  if (held > 0) {
    const release = await budget.acquire(held);
    holding = held;
    setTimeout(() => {
      holding = 0;
      release();
    }, heldMs);
  }

  (globalThis as { gc?: () => void }).gc?.();
  const base = status('VmRSS:');
  fs.writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
  const t = performance.now();
  const answers = await Promise.all(Array.from({ length: studies }, () => service.analyze(files).then((r) => r.status, (e: unknown) => String((e as { code?: unknown }).code ?? e))));
  const ms = performance.now() - t;
  clearInterval(track);
  const hwm = status('VmHWM:');
  console.log(
    `budget ${(budgetPx / 1e6).toFixed(1)} MP${held ? `, ${(held / 1e6).toFixed(0)} MP held by another image for ${heldMs} ms` : ''}; ${studies} studies × ${slices} ${kind === 'jpeg' ? 'JPEG' : kind === 'rle' ? 'RLE' : 'native'} frames of ${side}²: ` +
      `${decodes} decodes, peak ${(peak / 1e6).toFixed(1)} MP decoding at once, ` +
      `RSS ${base.toFixed(0)} → peak ${hwm.toFixed(0)} MB (+${(hwm - base).toFixed(0)}), ${ms.toFixed(0)} ms; answers ${[...new Set(answers)].join(', ')}`,
  );
}

void main();
