/**
 * toSquarePixels runs resizeBilinearF's two passes banded; since the letterbox follows Pillow 13's
 * pass order (vertical first where the height loses more than twice the pixels the width loses:
 * pillowVerticalFirst), so must it, or the float32 intermediate rounds elsewhere and a tall slice
 * scaled down to the per-slice limit comes out 1 grey level off in places (8 of 4.0 M pixels over
 * 24 generated slices, 6 of them in the one below; all in vertical-first cases).
 */
import { pillowVerticalFirst, resizeBilinearF } from '../../../src/inference/preprocess';
import { planSquarePixels, toSquarePixels } from '../../../src/studies/square-pixels';

const pacer = { work: async () => undefined };

/** A checker of 8-column × 4-row blocks (30 and 200): steps in both directions. */
function steps(w: number, h: number): Uint8Array {
  return Uint8Array.from({ length: w * h }, (_, i) => (((i % w) >> 3) + (Math.floor(i / w) >> 2)) % 2 ? 200 : 30);
}

/** resizeBilinearF rounded to bytes as toSquarePixels rounds. */
function reference(data: Uint8Array, w: number, h: number, nw: number, nh: number): number[] {
  return Array.from(resizeBilinearF(Float32Array.from(data), w, h, nw, nh), (v) => Math.min(255, Math.max(0, Math.floor(v + 0.5))));
}

describe('square pixels in Pillow 13 pass order', () => {
  it('a tall 300×2400 slice at 1.3 mm rows, scaled down to 200,000 pixels (vertical first): resizeBilinearF, rounded', async () => {
    const [w, h] = [300, 2400];
    const plan = planSquarePixels(w, h, { column: 1, row: 1.3 }, 200_000);
    expect([plan.width, plan.height, plan.shape]).toEqual([138, 1442, 'resampled']);
    expect(pillowVerticalFirst(w, h, plan.width, plan.height)).toBe(true);
    const data = steps(w, h);
    const out = await toSquarePixels({ width: w, height: h, channels: 1, data }, plan, pacer);
    expect(Array.from(out.data)).toEqual(reference(data, w, h, plan.width, plan.height));
  });

  it('a wide slice (horizontal first) and a stretched one stay resizeBilinearF, rounded, per channel', async () => {
    for (const [w, h, column, row, max] of [[1200, 96, 1, 1.5, 65_536], [64, 48, 2, 1, 1_000_000]]) {
      const plan = planSquarePixels(w, h, { column, row }, max);
      expect(pillowVerticalFirst(w, h, plan.width, plan.height)).toBe(false);
      const grey = steps(w, h);
      const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i % 3 === 1 ? 255 - grey[Math.floor(i / 3)] : grey[Math.floor(i / 3)]));
      const out = await toSquarePixels({ width: w, height: h, channels: 3, data: rgb }, plan, pacer);
      const ref = reference(grey, w, h, plan.width, plan.height);
      const inv = reference(Uint8Array.from(grey, (v) => 255 - v), w, h, plan.width, plan.height);
      expect(Array.from(out.data).filter((_, i) => i % 3 === 0)).toEqual(ref);
      expect(Array.from(out.data).filter((_, i) => i % 3 === 1)).toEqual(inv);
    }
  });
});
