import { loadStudy } from '../../../src/studies/study-loader';
import { ScalarSlice, windowSlices, YIELD_EVERY_PIXELS } from '../../../src/studies/windowing';
import { el, mrDicom } from '../../support/dicom-pixel-fixtures';

/**
 * The event loop gets a turn by work done, not by slice count: a timer-free probe (a setImmediate
 * chain) counts the turns other work would have had. Wall-clock gaps are benchmarked by hand
 * (see the commit message), never asserted here.
 */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let done = false;
  const spin = () => {
    turns++;
    if (!done) setImmediate(spin);
  };
  setImmediate(spin);
  const result = await work();
  done = true;
  return { result, turns };
}

const big = (k: number, header: boolean): ScalarSlice => {
  const n = 2048 * 1024;
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = (i + k) & 1023;
  return { width: 2048, height: 1024, values, window: header ? { center: 500, width: 1000 } : null };
};

describe('windowStudy yields by work done', () => {
  it('two 2 MP slices with header windows: a turn at least every ~1 M pixels windowed', async () => {
    const slices = [big(0, true), big(1, true)];
    const { result, turns } = await turnsDuring(() => windowSlices(slices));
    expect(result.windowing).toBe('header');
    expect(turns).toBeGreaterThanOrEqual((2 * 2048 * 1024) / YIELD_EVERY_PIXELS);
  });

  it('the percentile mode (two passes) yields in both passes', async () => {
    const slices = [big(0, false), big(1, false)];
    const { result, turns } = await turnsDuring(() => windowSlices(slices));
    expect(result.windowing).toBe('percentile');
    expect(turns).toBeGreaterThanOrEqual((2 * 2 * 2048 * 1024) / YIELD_EVERY_PIXELS);
  });

  it('many tiny slices still yield at least every 8 slices', async () => {
    const slices = Array.from({ length: 64 }, (_, k): ScalarSlice => ({ width: 4, height: 4, values: new Float32Array(16).fill(k), window: { center: 32, width: 64 } }));
    const { turns } = await turnsDuring(() => windowSlices(slices));
    expect(turns).toBeGreaterThanOrEqual(64 / 8);
  });

  it('one 4 MP DICOM slice through loadStudy: decoded and windowed with several turns between', async () => {
    const n = 2048 * 2048;
    const words = new Uint16Array(n).map((_, i) => i % 4096);
    const file = mrDicom({ rows: 2048, columns: 2048, bitsAllocated: 16, bitsStored: 12, words, extra: [el.ds(0x00281050, 2048), el.ds(0x00281051, 4096)] });
    const { result, turns } = await turnsDuring(() => loadStudy([new Uint8Array(file)], { maxBytes: 1 << 28, maxSlices: 10, minSide: 16, maxPixels: n }));
    expect(result.kind).toBe('slices');
    // decode (4 chunks) + window (4 chunks): before, one 4 MP slice held the loop throughout
    expect(turns).toBeGreaterThanOrEqual(6);
  });
});
