/**
 * A PNG tRNS chunk is read as PIL (ml/, the contract's reference) reads it, where libvips reads it
 * otherwise (src/inference/pil-reading.ts). Measured by the encoder-variant campaign
 * (scripts/decode-campaign) against Pillow 13.0.0's to_rgb8 on the same bytes: before, a 4-bit grey
 * PNG whose tRNS named a tissue level gave the model that level black (up to 153 grey levels off,
 * 7 of 20 re-encoded MRI test images decided otherwise than the Python reference), a 2-bit one 5 of
 * 20, a 16-bit RGB one 2 of 20. The expected pixels below are PIL's.
 */
import * as zlib from 'node:zlib';
import { decodeImage, readImageHeader } from '../../src/inference/image-decoder';
import { reportFigurePng } from '../../src/inference/image-encoder';
import sharp from 'sharp';
import { ihdr, PNG_SIG, pngChunk } from '../hostile/bytes';

const LIMITS = { maxPixels: 40_000_000, minSide: 1 };
const W = 70;
const H = 66;

/** rows of packed samples (filter byte 0) → a PNG with the given chunks before IDAT */
function png(colourType: number, depth: number, rows: Buffer[], chunks: Buffer[]): Buffer {
  const raw = Buffer.concat(rows.map((r) => Buffer.concat([Buffer.from([0]), r])));
  return Buffer.concat([PNG_SIG, ihdr(W, H, depth, colourType), ...chunks, pngChunk('IDAT', zlib.deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}

/** grey samples of `depth` bits (2 or 4), packed high bits first */
function lowDepthGrey(depth: number, value: (x: number, y: number) => number): Buffer[] {
  const per = 8 / depth;
  return Array.from({ length: H }, (_, y) => {
    const row = Buffer.alloc(Math.ceil(W / per));
    for (let x = 0; x < W; x++) row[Math.floor(x / per)] |= value(x, y) << (8 - depth * ((x % per) + 1));
    return row;
  });
}

const u16 = (v: number) => Buffer.from([v >> 8, v & 0xff]);

/** the decoded luma (grey or RGB) per pixel */
async function luma(bytes: Buffer): Promise<number[]> {
  const d = await decodeImage(bytes, LIMITS);
  const out: number[] = [];
  for (let i = 0; i < d.width * d.height; i++) {
    out.push(d.channels === 1 ? d.data[i] : (d.data[i * 3] * 299 + d.data[i * 3 + 1] * 587 + d.data[i * 3 + 2] * 114) / 1000);
  }
  return out;
}

describe('PNG transparency read as PIL reads it', () => {
  it.each([2, 4])('%i-bit grey: the tRNS value is not transparent (PIL compares it with the 8-bit-scaled pixels)', async (depth) => {
    const levels = (1 << depth) - 1;
    const value = (x: number, y: number) => (x + 3 * y) % (levels + 1);
    const key = levels - 1; // a level present in every row: libvips made it transparent, so black
    const bytes = png(0, depth, lowDepthGrey(depth, value), [pngChunk('tRNS', u16(key))]);
    const expected = Array.from({ length: W * H }, (_, i) => Math.round((value(i % W, Math.floor(i / W)) * 255) / levels));
    expect(await luma(bytes)).toEqual(expected);
    // a browser draws those pixels transparent: the page shows the analysed image instead
    expect((await readImageHeader(bytes, LIMITS)).shownOtherwise).toBe(true);
  });

  it('16-bit RGB: transparent where the high bytes equal the low bytes of the tRNS samples, not where all 16 bits match', async () => {
    const key = [0x1234, 0x5678, 0x9abc];
    const pixel = (x: number, y: number): number[] =>
      x % 3 === 0 ? key // exactly the tRNS colour: PIL keeps it (high bytes 12 56 9a)
        : x % 3 === 1 ? [0x3400 + y, 0x7800 + x, 0xbc00] // high bytes 34 78 bc = the key's low bytes: PIL blackens it
          : [0x8000 + x * 100, 0x2000 + y * 300, 0x4000];
    const rows = Array.from({ length: H }, (_, y) => Buffer.concat(Array.from({ length: W }, (_, x) => Buffer.concat(pixel(x, y).map(u16)))));
    const bytes = png(2, 16, rows, [pngChunk('tRNS', Buffer.concat(key.map(u16)))]);
    const d = await decodeImage(bytes, LIMITS);
    expect(d.channels).toBe(3);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const got = Array.from(d.data.subarray((y * W + x) * 3, (y * W + x) * 3 + 3));
        const want = x % 3 === 1 ? [0, 0, 0] : pixel(x, y).map((v) => v >> 8);
        if (got.join() !== want.join()) throw new Error(`(${x}, ${y}): ${got.join()} instead of PIL's ${want.join()}`);
      }
    }
    // the PDF's figure shows the same pixels as the model was given
    const fig = await sharp(await reportFigurePng(bytes, LIMITS.maxPixels)).removeAlpha().raw().toBuffer();
    expect(Array.from(fig.subarray(3, 6))).toEqual([0, 0, 0]);
    expect(Array.from(fig.subarray(0, 3))).toEqual([0x12, 0x56, 0x9a]);
  });

  it('8-bit grey with tRNS stays flattened onto black (PIL and libvips agree)', async () => {
    const rows = Array.from({ length: H }, (_, y) => Buffer.from(Array.from({ length: W }, (_, x) => (x * 3 + y) % 256)));
    const bytes = png(0, 8, rows, [pngChunk('tRNS', u16(100))]);
    const got = await luma(bytes);
    got.forEach((v, i) => expect(v).toBe((i % W) * 3 + Math.floor(i / W) === 100 ? 0 : ((i % W) * 3 + Math.floor(i / W)) % 256));
    expect((await readImageHeader(bytes, LIMITS)).shownOtherwise).toBe(false);
  });
});
