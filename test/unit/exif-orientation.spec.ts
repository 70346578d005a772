/**
 * EXIF orientation 1–8, pixel for pixel: the image the model is given (decodeImage) and the PDF's
 * figure (reportFigurePng) are the stored pixels turned as the tag says, which is how Chromium,
 * PIL (ml/) and libvips show them — checked by hand against that for JPEG (APP1) and PNG (eXIf).
 * The earlier test looked at the size after orientation 6 only: the mirrored orientations
 * (2, 4, 5, 7) keep or swap the size exactly as their unmirrored twins do, so a decoder that
 * dropped the mirror would have passed it.
 */
import sharp from 'sharp';
import { decodeImage } from '../../src/inference/image-decoder';
import { reportFigurePng } from '../../src/inference/image-encoder';

const W = 96;
const H = 70;
const LIMITS = { maxPixels: 40_000_000, minSide: 64 };

/** Where displayed pixel (x, y) comes from in the stored W × H grid (EXIF 2.32, tag 0x0112). */
const SOURCE: Record<number, (x: number, y: number) => [number, number]> = {
  1: (x, y) => [x, y],
  2: (x, y) => [W - 1 - x, y],
  3: (x, y) => [W - 1 - x, H - 1 - y],
  4: (x, y) => [x, H - 1 - y],
  5: (x, y) => [y, x],
  6: (x, y) => [y, H - 1 - x],
  7: (x, y) => [W - 1 - y, H - 1 - x],
  8: (x, y) => [W - 1 - y, x],
};

/** Every pixel different, no symmetry: a wrong turn or mirror cannot land on equal values. */
function storedGrey(): Buffer {
  const b = Buffer.alloc(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) b[y * W + x] = (x * 7 + y * 3 + ((x * y) % 5)) % 256;
  return b;
}

function expected(stored: Uint8Array, orientation: number): { width: number; height: number; data: number[] } {
  const turned = orientation >= 5;
  const width = turned ? H : W;
  const height = turned ? W : H;
  const data: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [sx, sy] = SOURCE[orientation](x, y);
      data.push(stored[sy * W + sx]);
    }
  }
  return { width, height, data };
}

/** The first channel of an 8-bit image (the decoder hands tagged grey over as RGB, the figure may be either). */
function firstChannel(data: Uint8Array, channels: number): number[] {
  return Array.from({ length: data.length / channels }, (_, i) => data[i * channels]);
}

describe('EXIF orientation 1–8: the analysed image and the PDF figure are the displayed image', () => {
  const grey = storedGrey();
  const raw = () => sharp(grey, { raw: { width: W, height: H, channels: 1 } });

  for (const format of ['png', 'jpeg'] as const) {
    it.each([1, 2, 3, 4, 5, 6, 7, 8])(`${format}, orientation %i`, async (orientation) => {
      const bytes = await (format === 'png' ? raw().png() : raw().jpeg({ quality: 100 })).withMetadata({ orientation }).toBuffer();
      expect((await sharp(bytes).metadata()).orientation).toBe(orientation);
      // the stored pixels as any decoder reads them before turning (a JPEG's are not exactly `grey`)
      const stored = await sharp(bytes).extractChannel(0).raw().toBuffer();
      const want = expected(stored, orientation);

      const d = await decodeImage(bytes, LIMITS);
      expect([d.width, d.height]).toEqual([want.width, want.height]);
      expect(firstChannel(d.data, d.channels)).toEqual(want.data);

      const fig = await sharp(await reportFigurePng(bytes, LIMITS.maxPixels)).raw().toBuffer({ resolveWithObject: true });
      expect([fig.info.width, fig.info.height]).toEqual([want.width, want.height]);
      expect(firstChannel(fig.data, fig.info.channels)).toEqual(want.data);
    });
  }
});
