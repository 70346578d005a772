import * as zlib from 'node:zlib';
import { AnalysisTimeoutError } from '../../../src/common/errors';
import * as dicomPixels from '../../../src/studies/dicom-pixels';
import * as squarePixels from '../../../src/studies/square-pixels';
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { dicomSeries, gzip, nifti1, syntheticSlice } from '../../support/study-fixtures';
import { writeNifti1 } from '../../support/nifti-fixtures';

/**
 * A study whose request is over (504 timeout, client gone) stops loading at its next check of
 * the request's signal — between slices and at every yield of the decode, window and square-pixel
 * loops — instead of decoding, windowing and resampling the rest for nobody. No wall clock: the
 * abort fires from inside the work (a spy) or after a counted number of event-loop turns.
 */
const LIMITS: StudyLimits = { maxBytes: 200 * 1024 * 1024, maxSlices: 400, minSide: 16, maxPixels: 4 * 1024 * 1024 };

/** 20 slices of 256 × 128 at 1.0 mm between rows, 0.5 mm between columns (each resampled to 256²), no header window */
const anisotropicSeries = () =>
  dicomSeries(
    Array.from({ length: 20 }, (_, k) => syntheticSlice(256, 128, (x, y) => (x * 3 + y * 5 + k * 11) % 251)),
    { window: false, pixelSpacing: [1.0, 0.5] },
  ).map((b) => new Uint8Array(b));

/** Counts frame decodes and square-pixel resamples, and those begun once `aborted()` is true. */
function countWork(aborted: () => boolean, afterDecode?: (n: number) => void) {
  const n = { decodes: 0, decodesAfter: 0, resamples: 0, resamplesAfter: 0 };
  const decode = dicomPixels.decodeFrame;
  const square = squarePixels.toSquarePixels;
  const spies = [
    jest.spyOn(dicomPixels, 'decodeFrame').mockImplementation(async (inst, f, s) => {
      if (aborted()) n.decodesAfter++;
      const frame = await decode(inst, f, s);
      n.decodes++;
      afterDecode?.(n.decodes);
      return frame;
    }),
    jest.spyOn(squarePixels, 'toSquarePixels').mockImplementation((img, plan, pacer) => {
      if (aborted()) n.resamplesAfter++;
      n.resamples++;
      return square(img, plan, pacer);
    }),
  ];
  return { n, restore: () => spies.forEach((s) => s.mockRestore()) };
}

/** Aborts after `turns` turns of the event loop (a setImmediate chain), then counts the turns until `work` settles. */
async function abortAfterTurns<T>(work: (signal: AbortSignal) => Promise<T>, turns: number, reason: unknown) {
  const ac = new AbortController();
  let turn = 0;
  let abortedAt = -1;
  let settled = false;
  const spin = () => {
    turn++;
    if (turn === turns) {
      abortedAt = turn;
      ac.abort(reason);
    }
    if (!settled) setImmediate(spin);
  };
  setImmediate(spin);
  const outcome = await work(ac.signal).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  settled = true;
  return { outcome, turns: turn, abortedAt, turnsAfterAbort: abortedAt < 0 ? -1 : turn - abortedAt };
}

describe('loadStudy stops when the request is over', () => {
  it('the fixture: unaborted, all 20 slices are decoded once and resampled to square pixels', async () => {
    const { n, restore } = countWork(() => false);
    try {
      const study = await loadStudy(anisotropicSeries(), LIMITS);
      expect(study.kind === 'slices' && [study.meta.windowing, study.meta.display]).toEqual(['percentile', { width: 256, height: 256, pixels: 'resampled' }]);
      expect([n.decodes, n.resamples]).toEqual([20, 20]);
    } finally {
      restore();
    }
  });

  it('aborted after the first slice is decoded: no other slice is decoded or resampled, and the reason is thrown', async () => {
    const ac = new AbortController();
    const reason = new AnalysisTimeoutError(1);
    const { n, restore } = countWork(() => ac.signal.aborted, (k) => k === 1 && ac.abort(reason));
    try {
      await expect(loadStudy(anisotropicSeries(), LIMITS, ac.signal)).rejects.toBe(reason);
      expect(n).toEqual({ decodes: 1, decodesAfter: 0, resamples: 0, resamplesAfter: 0 });
    } finally {
      restore();
    }
  });

  it('an abort between any two chunks (decode, sample, window, resample) is seen at the next one: at most one more turn of the event loop', async () => {
    // a 2048 × 1024 frame: its decode, window and resample each take several ~1 M-pixel chunks
    const big = dicomSeries(
      Array.from({ length: 1 }, (_, k) => syntheticSlice(2048, 1024, (x, y) => (x + 2 * y + k) % 251)),
      { window: false, pixelSpacing: [1.0, 0.5] },
    ).map((b) => new Uint8Array(b));
    const whole = await abortAfterTurns((s) => loadStudy(big, LIMITS, s), Number.POSITIVE_INFINITY, null);
    expect(whole.outcome.ok).toBe(true);
    const reason = new AnalysisTimeoutError(1);
    // spread over the whole load (~17 turns: decode 2 chunks, then sample, window and resample several each)
    for (const turns of [0.05, 0.35, 0.65, 0.95].map((f) => Math.max(1, Math.round(f * whole.turns)))) {
      let signal: AbortSignal | undefined;
      const { n, restore } = countWork(() => signal?.aborted === true);
      try {
        const r = await abortAfterTurns((s) => ((signal = s), loadStudy(big, LIMITS, s)), turns, reason);
        expect(r.abortedAt).toBe(turns);
        expect(r.outcome).toEqual({ ok: false, error: reason });
        expect(r.turnsAfterAbort).toBeLessThanOrEqual(1);
        expect(n.decodesAfter + n.resamplesAfter).toBe(0);
      } finally {
        restore();
      }
    }
  });

  it('a NIfTI volume (read, windowed, resampled) and a gzip-wrapped one stop the same way', async () => {
    const raw = nifti1([1024, 512, 6], (i, j, k) => (i * 3 + j * 10 + k * 11) % 1000, { pixdim: [0.5, 1, 3] });
    const reason = new AnalysisTimeoutError(1);
    for (const file of [raw, gzip(raw)]) {
      for (const turns of [1, 4, 16]) {
        const r = await abortAfterTurns((s) => loadStudy([new Uint8Array(file)], LIMITS, s), turns, reason);
        expect(r.abortedAt).toBe(turns);
        expect(r.outcome).toEqual({ ok: false, error: reason });
        expect(r.turnsAfterAbort).toBeLessThanOrEqual(1);
      }
    }
  });

  it('a 4-D .nii.gz stops the same way while its later volumes are inflated through their CRC check (nothing held of them)', async () => {
    // 300 volumes of 32 × 32 × 6 random int16 (incompressible): the first volume is in the first 16 KB slice, the rest take ~220 more
    let seed = 1;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) - 32768;
    const gz = zlib.gzipSync(writeNifti1([32, 32, 6], random, { volumes: 300 }));
    expect(gz.length).toBeGreaterThan(200 * 16 * 1024);
    const reason = new AnalysisTimeoutError(1);
    for (const turns of [8, 32, 64]) {
      const r = await abortAfterTurns((s) => loadStudy([new Uint8Array(gz)], LIMITS, s), turns, reason);
      expect(r.abortedAt).toBe(turns);
      expect(r.outcome).toEqual({ ok: false, error: reason });
      expect(r.turnsAfterAbort).toBeLessThanOrEqual(1);
    }
  });
});
