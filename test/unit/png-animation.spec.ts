import sharp from 'sharp';
import { CorruptImageError, UnsupportedTypeError } from '../../src/common/errors';
import { decodeImage } from '../../src/inference/image-decoder';
import { checkFileBytes } from '../../src/validation/file-checks';
import { apng, greyIdatData, ihdr, PNG_SIG, pngChunk, u32be } from '../hostile/bytes';

const SIZE = 64;
const MAX = 5_000_000;
const flat = (v: number): Buffer => Buffer.alloc(SIZE * SIZE, v);

function refusal(bytes: Buffer): unknown {
  try {
    checkFileBytes(bytes, MAX);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('animated PNGs are refused at the file check (the decoder reads only the default image)', () => {
  it('a default image that is not part of the animation: 415 saying so, though the decoder would have read it', async () => {
    const bytes = apng([flat(200), flat(220)], SIZE, { hiddenDefault: flat(10) });
    // why: sharp hands over the hidden default image (grey 10), never a frame a browser shows
    const decoded = await decodeImage(bytes, { maxPixels: 40_000_000, minSide: 64 });
    expect(decoded.data[0]).toBe(10);
    const err = refusal(bytes);
    expect(err).toBeInstanceOf(UnsupportedTypeError);
    expect((err as UnsupportedTypeError).statusCode).toBe(415);
    expect((err as Error).message).toMatch(/^Animated PNG whose still image is not its first frame/);
    expect((err as Error).message).toMatch(/still \(non-animated\) PNG/);
    // one declared frame, still hidden behind the default image: the browser shows the fdAT frame
    expect(refusal(apng([flat(200)], SIZE, { hiddenDefault: flat(10) }))).toBeInstanceOf(UnsupportedTypeError);
  });

  it('an ordinary APNG whose first frame is the default image: 415 too, naming its frame count', () => {
    const err = refusal(apng([flat(200), flat(10), flat(90)], SIZE));
    expect(err).toBeInstanceOf(UnsupportedTypeError);
    expect((err as Error).message).toMatch(/^Animated PNG \(3 frames\): only one image can be analysed/);
  });

  it('a one-frame APNG whose frame is the default image, a still PNG and an acTL after IDAT are accepted (viewers show the same still)', async () => {
    expect(checkFileBytes(apng([flat(200)], SIZE), MAX)).toBe('png');
    expect(checkFileBytes(await sharp({ create: { width: SIZE, height: SIZE, channels: 3, background: '#345' } }).png().toBuffer(), MAX)).toBe('png');
    const late = Buffer.concat([PNG_SIG, ihdr(SIZE, SIZE, 8, 0), pngChunk('IDAT', greyIdatData(flat(5), SIZE, SIZE)), pngChunk('acTL', Buffer.concat([u32be(2), u32be(0)])), pngChunk('IEND', Buffer.alloc(0))]);
    expect(checkFileBytes(late, MAX)).toBe('png');
  });

  it('a frame count no APNG may declare is a 422, refused from the count without reading on', () => {
    for (const declared of [0, 0x80000000, 0xffffffff]) {
      const err = refusal(apng([flat(1), flat(2)], SIZE, { declaredFrames: declared }));
      expect(err).toBeInstanceOf(CorruptImageError);
      expect((err as Error).message).toContain(`declares ${declared} frames`);
    }
    // the largest valid count is refused by what it is (animated), in one pass over two frames
    const huge = refusal(apng([flat(1), flat(2)], SIZE, { declaredFrames: 0x7fffffff }));
    expect((huge as Error).message).toMatch(/^Animated PNG \(2147483647 frames\)/);
  });

  it('a chunk list it cannot follow is left to the decoder (no throw here, no endless walk)', () => {
    const broken = Buffer.concat([PNG_SIG, ihdr(SIZE, SIZE, 8, 0), u32be(0xfffffff0), Buffer.from('acTL')]);
    expect(checkFileBytes(broken, MAX)).toBe('png');
    expect(checkFileBytes(PNG_SIG, MAX)).toBe('png');
    // an APNG cut off before its image data is not called animated-with-a-hidden-image: the decoder calls it corrupt
    const full = apng([flat(1), flat(2)], SIZE, { hiddenDefault: flat(3) });
    expect(checkFileBytes(full.subarray(0, full.indexOf('IDAT') - 4), MAX)).toBe('png');
  });
});
