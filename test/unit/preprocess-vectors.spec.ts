import * as fs from 'node:fs';
import * as path from 'node:path';
import { toGreyOrRgb } from '../../src/inference/image-decoder';
import { letterboxGeometry, preprocess } from '../../src/inference/preprocess';

/** Parity with the ML engineer's vectors (ml/src/mri_sentinel_ml/fixtures.py → test/fixtures/preprocess_vectors.json). */
interface Vector {
  name: string;
  width: number;
  height: number;
  channels: number;
  pixels: number[];
  size: number;
  mean: number[];
  std: number[];
  scale: number;
  geometry: { nw: number; nh: number; x0: number; y0: number };
  letterboxed_luma: number[][];
  expected: number[][][];
}

const FILE = path.join(__dirname, '../fixtures/preprocess_vectors.json');
const doc = JSON.parse(fs.readFileSync(FILE, 'utf8')) as { tolerance: number; vectors: Vector[] };

describe('preprocessing parity with ml/ fixtures (preprocess_vectors.json)', () => {
  it('has vectors', () => {
    expect(doc.vectors.length).toBeGreaterThan(0);
  });

  it.each(doc.vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const img = toGreyOrRgb(Uint8Array.from(v.pixels), v.width, v.height, v.channels);
    expect(letterboxGeometry(v.width, v.height, v.size)).toEqual({ size: v.size, ...v.geometry });
    const p = preprocess(img, v.size, { scale: v.scale, mean: v.mean, std: v.std });
    const luma = v.letterboxed_luma.flat();
    const expected = v.expected.flat(2);
    let maxLuma = 0;
    let maxTensor = 0;
    luma.forEach((x, i) => (maxLuma = Math.max(maxLuma, Math.abs(x - p.canvas[i]))));
    expected.forEach((x, i) => (maxTensor = Math.max(maxTensor, Math.abs(x - p.tensor[i]))));
    expect(p.tensor.length).toBe(expected.length);
    expect(maxLuma).toBeLessThan(1e-3);
    expect(maxTensor).toBeLessThan(doc.tolerance);
  });
});
