import { headerWindowUsable, HeaderWindowCheck, MAX_SATURATED, MIN_GREY_LEVELS, windowNote } from '../../../src/studies/window-check';
import { applyDicomWindow, PercentileSampler, ScalarSlice, windowSlices, windowStudy } from '../../../src/studies/windowing';
import type { VoiWindow } from '../../../src/studies/voi-lut';

/**
 * A header window that flattens the head (centre 2, width 1, a 12-bit window over 16-bit values, a
 * centre outside the data) is set aside for the percentile window; a radiologist's window —
 * narrower, shifted, clipping some bright tissue — is kept. The slices: a textured ellipse of
 * values 600–3000 on a background of air (0–20), as an MR slice's modality values.
 */
const SIDE = 96;
function head(k: number, window: VoiWindow | null, invert = false): ScalarSlice {
  const values = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++)
    for (let x = 0; x < SIDE; x++) {
      const u = (x - SIDE / 2) / (SIDE * 0.38);
      const v = (y - SIDE / 2) / (SIDE * 0.45);
      const tissue = 1800 + 1200 * Math.sin((x + k) / 5) * Math.cos(y / 7);
      const air = (x * 7 + y * 13 + k) % 21;
      const value = u * u + v * v < 1 ? tissue : air;
      values[y * SIDE + x] = invert ? 3000 - value : value;
    }
  return { width: SIDE, height: SIDE, values, window, invert };
}
const series = (w: VoiWindow | null, invert = false) => Array.from({ length: 4 }, (_, k) => head(k, w, invert));
/** the data's own range is about 0..3000: the sensible window is c 1500, w 3000 */
const SENSIBLE = { center: 1500, width: 3000 };

/** the check's verdict on each slice drawn through its own header window */
function verdictOf(slices: ScalarSlice[]) {
  const check = new HeaderWindowCheck(slices.length * SIDE * SIDE);
  for (const s of slices) check.add(s.values, applyDicomWindow(s.values, s.window!.center, s.window!.width, s.invert), 0, s.values.length, s.invert ?? false);
  return check.verdict();
}

describe('the header window check (window-check.ts)', () => {
  it.each([
    ['sensible', SENSIBLE, 1],
    ['narrower by 40 %', { center: 1500, width: 1800 }, 1],
    ['narrower by 25 %, shifted up 10 %', { center: 1800, width: 2250 }, 1],
    ['brightened: the lower 70 %', { center: 1050, width: 2100 }, 1],
    ['twice as wide', { center: 1500, width: 6000 }, 1],
  ])('keeps a viewer\'s window: %s', async (_name, w, _scale) => {
    const r = await windowSlices(series(w));
    expect(r.windowing).toBe('header');
    expect(r.headerWindowIgnored).toBeNull();
  });

  it.each([
    ['centre 2, width 4', { center: 2, width: 4 }, 1],
    ['width 1', { center: 1500, width: 1 }, 1],
    ['a 12-bit window (2048/4096) over 16-bit values', { center: 2048, width: 4096 }, 16],
    ['a centre far above the data', { center: 12000, width: 3000 }, 1],
    ['a centre far below the data (a rescale applied twice)', { center: -3000, width: 3000 }, 1],
    ['the int16 range (0/65536): a handful of greys, none saturated', { center: 0, width: 65536 }, 1],
  ])('sets aside a window that flattens the head: %s', async (_name, w, scale) => {
    const slices = series(w).map((s) => ({ ...s, values: s.values.map((x) => x * scale) }));
    const r = await windowSlices(slices);
    expect(r.windowing).toBe('percentile');
    expect(r.headerWindowIgnored).not.toBeNull();
    const v = r.headerWindowIgnored!;
    expect(v.saturated > MAX_SATURATED || v.greyLevels < MIN_GREY_LEVELS).toBe(true);
    expect(v.percentile.saturated).toBeLessThan(0.1);
    // exactly the images the same slices get without any header window
    const plain = await windowSlices(slices.map((s) => ({ ...s, window: null })));
    expect(plain.windowing).toBe('percentile');
    r.images.forEach((img, i) => expect(Buffer.from(img.data).equals(Buffer.from(plain.images[i].data))).toBe(true));
  });

  it('judges MONOCHROME1 by its foreground (low values drawn bright): a sensible window is kept, width 1 is not', async () => {
    expect((await windowSlices(series(SENSIBLE, true))).windowing).toBe('header');
    const bad = await windowSlices(series({ center: 1500, width: 1 }, true));
    expect(bad.windowing).toBe('percentile');
  });

  it('keeps the header window of a flat foreground, which no window would make readable', async () => {
    const flat: ScalarSlice[] = Array.from({ length: 3 }, (_, k) => {
      const values = new Float32Array(64 * 64).map((_v, i) => ((i + k) % 97 === 0 ? 250 : 255));
      return { width: 64, height: 64, values, window: { center: 128, width: 256 } };
    });
    const r = await windowSlices(flat);
    expect(r.windowing).toBe('header');
    expect(r.headerWindowIgnored).toBeNull();
  });

  it('figures: the share of the foreground at 0 or 255 and the grey levels left, background not counted', async () => {
    const ok = verdictOf(series(SENSIBLE));
    expect(ok.saturated).toBeLessThan(0.05);
    expect(ok.greyLevels).toBeGreaterThan(150);
    const width1 = verdictOf(series({ center: 1500, width: 1 }));
    expect(width1).toMatchObject({ saturated: 1, greyLevels: 2 });
    expect(width1.foreground).toBeGreaterThan(0);
    expect(headerWindowUsable(width1)).toBe(false);
    expect(headerWindowUsable({ ...width1, foreground: 0 })).toBe(true); // nothing to judge
    expect(windowNote(width1)).toMatch(/header's window was not used: it drew 100 % of the head at black or white and left 2 grey levels/);
  });

  it('samples at most the sampler\'s count of values, whatever the study\'s size', () => {
    const check = new HeaderWindowCheck(4 * 1024 * 1024, 1000);
    const values = new Float32Array(4 * 1024 * 1024).map((_v, i) => i % 3000);
    check.add(values, new Uint8Array(values.length).fill(255));
    expect(check.verdict().foreground).toBeLessThanOrEqual(1000);
  });

  it('takes the same sample as PercentileSampler, fed in chunks of any size, so the replacement is the percentile path\'s window', () => {
    const slices = Array.from({ length: 3 }, (_, k) => Float32Array.from({ length: 10_007 }, (_v, i) => (i % 13 === 0 ? NaN : ((i * 7919 + k * 104729) % 5003) - 900)));
    for (const max of [1000, 3333, 1e6]) {
      const check = new HeaderWindowCheck(3 * 10_007, max);
      const sampler = new PercentileSampler(3 * 10_007, max);
      for (const v of slices) {
        const out = new Uint8Array(v.length);
        for (let s = 0; s < v.length; s += 997) {
          check.add(v, out, s, Math.min(v.length, s + 997));
          sampler.add(v, s, Math.min(v.length, s + 997));
        }
      }
      for (const [lo, hi] of [[0.5, 99.5], [0, 100], [10, 90]]) expect(check.percentiles(lo, hi)).toEqual(sampler.window(lo, hi));
    }
  });

  it('a set-aside window reads each slice twice (the second render), and the request\'s end still stops it', async () => {
    const slices = series({ center: 1500, width: 1 });
    const reads: number[] = [];
    const r = await windowStudy(4, SIDE * SIDE, true, (i) => (reads.push(i), slices[i]));
    expect(r.windowing).toBe('percentile');
    expect(reads).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    const ac = new AbortController();
    const reason = new Error('client gone');
    await expect(
      windowStudy(4, SIDE * SIDE, true, (i) => {
        if (reads.length >= 10) ac.abort(reason); // during the second render
        reads.push(i);
        return slices[i];
      }, { signal: ac.signal }),
    ).rejects.toBe(reason);
    expect(reads.length).toBeLessThan(16);
  });
});
