import { colourShare } from '../../src/inference/colour-share';
import type { RawImage } from '../../src/inference/preprocess';
import { reduceImage } from '../../src/inference/prepare';

const P = { margin: 0.1, min_chroma: 32 };

/** w × h RGB, every pixel (grey, grey, grey) */
function rgb(w: number, h: number, grey = 90): RawImage {
  return { width: w, height: h, channels: 3, data: new Uint8Array(w * h * 3).fill(grey) };
}
function paint(img: RawImage, x0: number, y0: number, x1: number, y1: number, c: [number, number, number]): void {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) img.data.set(c, (y * img.width + x) * 3);
}

// The same cases as ml/tests/test_colour.py, so both sides measure alike.
describe('colour gate measure (contract "Colour gate"; ml colour.colour_share)', () => {
  it('is 0 for grey images, one channel or three', () => {
    expect(colourShare({ width: 64, height: 64, channels: 1, data: new Uint8Array(64 * 64).fill(200) }, P)).toBe(0);
    expect(colourShare(rgb(120, 100), P)).toBe(0);
  });

  it('counts strongly coloured pixels of the centre only, chroma strictly above min_chroma', () => {
    const img = rgb(120, 100); // the centre leaves 12 columns and 10 rows out on each side: 96 × 80
    paint(img, 0, 0, 120, 10, [20, 60, 200]); // a banner along the top edge
    expect(colourShare(img, P)).toBe(0);
    paint(img, 40, 40, 56, 50, [200, 40, 40]); // 160 pixels
    expect(colourShare(img, P)).toBe(160 / (80 * 96));
    paint(img, 40, 60, 56, 70, [90 + 32, 90, 90]); // chroma exactly 32
    expect(colourShare(img, P)).toBe(160 / (80 * 96));
  });

  it('is measured where a large image is reduced (its pixels are gone afterwards)', () => {
    const img = rgb(300, 200);
    paint(img, 0, 0, 300, 200, [10, 200, 10]);
    expect(reduceImage(img, [160], P).colourShare).toBe(1);
    expect(reduceImage(img, [160]).colourShare).toBeUndefined();
  });
});
