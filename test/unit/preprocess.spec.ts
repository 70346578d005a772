import * as fs from 'node:fs';
import * as path from 'node:path';
import { borderMean, letterbox, letterboxGeometry, normalize, preprocess, resizeBilinearF, toLuma } from '../../src/inference/preprocess';

interface VectorCase {
  width: number;
  height: number;
  channels: 1 | 3;
  size: number;
  mean: number[];
  std: number[];
  pixels: number[];
  letterboxed: number[];
  tensor: number[];
}

const vectors = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../fixtures/pil_preprocess_vectors.json'), 'utf8'),
) as { cases: VectorCase[] };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('preprocessing (contract steps 2–4)', () => {
  it('computes ITU-R 601-2 luma in float, without rounding', () => {
    const l = toLuma({ width: 2, height: 1, channels: 3, data: Uint8Array.from([255, 0, 0, 10, 20, 30]) });
    expect(l[0]).toBeCloseTo(76.245, 3);
    expect(l[1]).toBeCloseTo((10 * 299 + 20 * 587 + 30 * 114) / 1000, 4);
    const g = toLuma({ width: 2, height: 1, channels: 1, data: Uint8Array.from([7, 200]) });
    expect(Array.from(g)).toEqual([7, 200]);
  });

  it('letterbox geometry rounds half up and centres with floor offsets', () => {
    expect(letterboxGeometry(300, 200, 224)).toEqual({ size: 224, nw: 224, nh: 149, x0: 0, y0: 37 });
    expect(letterboxGeometry(200, 300, 224)).toEqual({ size: 224, nw: 149, nh: 224, x0: 37, y0: 0 });
    expect(letterboxGeometry(1000, 1, 224)).toEqual({ size: 224, nw: 224, nh: 1, x0: 0, y0: 111 });
    // 3 * 224/4 = 168 exactly; 5 * 224/8 = 140
    expect(letterboxGeometry(4, 3, 224).nh).toBe(168);
  });

  it('keeps a constant image constant when resampling (weights normalised)', () => {
    const src = new Float32Array(37 * 23).fill(100);
    const out = resizeBilinearF(src, 37, 23, 16, 10);
    for (const v of out) expect(v).toBeCloseTo(100, 4);
    const up = resizeBilinearF(src, 37, 23, 80, 50);
    for (const v of up) expect(v).toBeCloseTo(100, 4);
  });

  it('pads with 0 outside the image region', () => {
    const { canvas, geometry } = letterbox(new Float32Array(40 * 20).fill(255), 40, 20, 32);
    expect(geometry).toEqual({ size: 32, nw: 32, nh: 16, x0: 0, y0: 8 });
    expect(canvas[0]).toBe(0);
    expect(canvas[8 * 32]).toBeCloseTo(255, 4);
    expect(canvas[31 * 32 + 31]).toBe(0);
  });

  it('normalises to [3,S,S] with per-channel mean/std', () => {
    const canvas = Float32Array.from([0, 255, 127.5, 51]);
    const t = normalize(canvas, 2, { scale: 1 / 255, mean: [0.5, 0.4, 0.3], std: [0.5, 0.2, 0.1] });
    expect(t.length).toBe(12);
    expect(t[0]).toBeCloseTo(-1, 6);
    expect(t[1]).toBeCloseTo(1, 6);
    expect(t[4 + 1]).toBeCloseTo((1 - 0.4) / 0.2, 5);
    expect(t[8 + 3]).toBeCloseTo((0.2 - 0.3) / 0.1, 5);
  });

  it('gives every channel its own arithmetic, also when channels share mean/std (plane reused)', () => {
    const canvas = Float32Array.from({ length: 64 }, (_, i) => (i * 37.3) % 256);
    const f = Math.fround;
    const reference = (mean: number[], std: number[], scale: number) =>
      Array.from({ length: 3 * 64 }, (_, k) => {
        const c = Math.floor(k / 64);
        const x = scale === 1 / 255 ? f(canvas[k % 64] / 255) : f(canvas[k % 64] * scale);
        return f(f(x - f(mean[c])) / f(std[c]));
      });
    for (const [mean, std, scale] of [
      [[0.498, 0.498, 0.498], [0.502, 0.502, 0.502], 1 / 255],
      [[0.5, 0.4, 0.5], [0.5, 0.2, 0.5], 1 / 255],
      [[0.485, 0.456, 0.406], [0.229, 0.224, 0.225], 0.003],
    ] as const) {
      expect(Array.from(normalize(canvas, 8, { scale, mean: [...mean], std: [...std] }))).toEqual(reference([...mean], [...std], scale));
    }
  });

  describe('parity with ml/ (PIL) on synthetic vectors', () => {
    it.each(vectors.cases.map((c) => [`${c.width}×${c.height}×${c.channels} → ${c.size}`, c] as const))(
      '%s',
      (_name, c) => {
        const img = { width: c.width, height: c.height, channels: c.channels, data: Uint8Array.from(c.pixels) };
        const p = preprocess(img, c.size, { scale: 1 / 255, mean: c.mean, std: c.std });
        // PIL stores float32 between passes exactly as the port does: equal to float32 rounding.
        expect(maxAbsDiff(p.canvas, c.letterboxed)).toBeLessThan(1e-3);
        expect(maxAbsDiff(p.tensor, c.tensor)).toBeLessThan(1e-5);
      },
    );
  });
});

describe('borderMean (the background gate’s measure)', () => {
  it('averages the content box’s ring once per pixel: a 6×4 box with b = 1 has 16 ring pixels', () => {
    const g = { size: 8, nw: 6, nh: 4, x0: 1, y0: 2 };
    const canvas = new Float32Array(64);
    for (let y = 2; y < 6; y++) for (let x = 1; x < 7; x++) canvas[y * 8 + x] = 10; // ring and inside
    canvas[3 * 8 + 3] = 250; // inside the ring: ignored
    canvas[2 * 8 + 1] = 170; // a corner: counted once → (15·10 + 170) / 16
    canvas[0] = 255; // padding: ignored
    expect(borderMean(canvas, g, 0.06)).toBe((15 * 10 + 170) / 16);
  });

  it('matches ml/ data.border_mean (values computed by it)', () => {
    const S = 160;
    const canvas = new Float32Array(S * S);
    for (let i = 0; i < S * S; i++) canvas[i] = (i * 37) % 256;
    expect(borderMean(canvas, letterboxGeometry(300, 200, S), 0.06)).toBeCloseTo(126.79673202614379, 9);
    expect(borderMean(canvas, letterboxGeometry(1000, 37, S), 0.06)).toBeCloseTo(128.23170731707316, 9);
  });
});
