import sharp from 'sharp';
import { CorruptImageError, UnsupportedTypeError } from '../../src/common/errors';
import { decodeImage, readImageHeader } from '../../src/inference/image-decoder';
import { hasJfifMarker, readJpegFrame, withAdobeTransform as settingTransform } from '../../src/inference/jpeg-frame';
import { adobe, jfif, segment, withApp } from '../support/jpeg-colour-fixtures';

const LIMITS = { maxPixels: 40_000_000, minSide: 64 };
const W = 96;
const H = 80;

/** A grey gradient, as an MRI export would be, written as RGB pixels. */
function gradient(): Buffer {
  const raw = Buffer.alloc(W * H * 3);
  for (let i = 0; i < W * H; i++) raw.fill(Math.round(((i % W) * 255) / (W - 1)), 3 * i, 3 * i + 3);
  return raw;
}
const jpeg = (space: 'b-w' | 'srgb' | 'cmyk', progressive = false) =>
  sharp(gradient(), { raw: { width: W, height: H, channels: 3 } }).toColourspace(space).jpeg({ quality: 95, progressive }).toBuffer();

/** The same bytes with the Adobe APP14 colour transform set to `t` (2: YCCK). */
function withAdobeTransform(bytes: Buffer, t: number): Buffer {
  const at = bytes.indexOf(Buffer.from([0xff, 0xee]));
  expect(bytes.toString('latin1', at + 4, at + 9)).toBe('Adobe');
  const out = Buffer.from(bytes);
  out[at + 4 + 11] = t;
  return out;
}

/** Everything up to the end of the frame header: no Huffman table, no scan, nothing to decode. */
function cutAfterFrameHeader(bytes: Buffer): Buffer {
  for (const sof of [0xc0, 0xc2]) {
    const at = bytes.indexOf(Buffer.from([0xff, sof]));
    if (at > 0) return bytes.subarray(0, at + 2 + bytes.readUInt16BE(at + 2));
  }
  throw new Error('no frame header');
}

describe('CMYK / YCCK JPEGs: refused from the header (PIL and libvips decode their ink differently)', () => {
  it('reads the component count and the Adobe transform from the markers', async () => {
    expect(readJpegFrame(await jpeg('b-w'))).toEqual({ components: 1, adobeTransform: null, precision: 8, width: W, height: H });
    expect(readJpegFrame(await jpeg('srgb'))).toEqual({ components: 3, adobeTransform: null, precision: 8, width: W, height: H });
    expect(readJpegFrame(await jpeg('cmyk'))).toEqual({ components: 4, adobeTransform: 0, precision: 8, width: W, height: H });
    expect(readJpegFrame(await jpeg('cmyk', true))).toEqual({ components: 4, adobeTransform: 0, precision: 8, width: W, height: H }); // SOF2
    expect(readJpegFrame(withAdobeTransform(await jpeg('cmyk'), 2))).toEqual({ components: 4, adobeTransform: 2, precision: 8, width: W, height: H });
    expect(readJpegFrame(Buffer.from('not a jpeg'))).toBeNull();
    expect(readJpegFrame(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00]))).toBeNull(); // ends before a frame header
  });

  it('a CMYK JPEG → 415 UNSUPPORTED_TYPE with the reason (it used to be decoded through a CMYK profile to other pixels than PIL\'s)', async () => {
    for (const bytes of [await jpeg('cmyk'), await jpeg('cmyk', true)]) {
      const err = await decodeImage(bytes, LIMITS).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(UnsupportedTypeError);
      expect(err).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_TYPE', message: 'CMYK JPEG: a print export, not a scan; save it as greyscale or RGB.' });
    }
    await expect(readImageHeader(withAdobeTransform(await jpeg('cmyk'), 2), LIMITS)).rejects.toThrow('YCCK (CMYK) JPEG: a print export, not a scan; save it as greyscale or RGB.');
  });

  it('never by decoding: a CMYK JPEG with nothing after its frame header is still named CMYK (the same cut RGB is corrupt)', async () => {
    await expect(readImageHeader(cutAfterFrameHeader(await jpeg('cmyk')), LIMITS)).rejects.toBeInstanceOf(UnsupportedTypeError);
    await expect(readImageHeader(cutAfterFrameHeader(await jpeg('srgb')), LIMITS)).rejects.toBeInstanceOf(CorruptImageError);
  });

  it('grey and RGB JPEGs decode as before', async () => {
    for (const space of ['b-w', 'srgb'] as const) expect(await decodeImage(await jpeg(space), LIMITS)).toMatchObject({ format: 'jpeg', width: W, height: H });
  });
});

describe('the colour transform of a 3-component JPEG set from outside (DICOM JPEG Baseline: dicom-colour-jpeg.spec.ts)', () => {
  const segmentsOf = (b: Uint8Array) => {
    const out: string[] = [];
    for (let i = 2; b[i] === 0xff && b[i + 1] !== 0xda; i += 2 + ((b[i + 2] << 8) | b[i + 3])) out.push(b[i + 1].toString(16));
    return out;
  };

  it('replaces every Adobe APP14 and JFIF APP0 before the scan by one Adobe APP14 saying the transform, after SOI; nothing else changes', async () => {
    const plain = await jpeg('srgb');
    const app0 = segment(0xe0, [...Buffer.from('AVI1\0'), 0, 0]); // another APP0: kept
    const twice = withApp(plain, [adobe(0), jfif(), app0, adobe(0)]);
    for (const t of [0, 1] as const) {
      const out = settingTransform(twice, t);
      expect(segmentsOf(out)).toEqual(['ee', 'e0', ...segmentsOf(plain)]);
      expect(readJpegFrame(out)).toMatchObject({ components: 3, adobeTransform: t });
      expect(hasJfifMarker(out)).toBe(false); // libjpeg would obey it over the Adobe marker
      // from the other APP0 on, the bytes are the stream's own
      expect(Buffer.from(out.subarray(2 + 16))).toEqual(withApp(plain, [app0]).subarray(2));
    }
  });

  it('libvips follows it: a YCbCr stream read as RGB with transform 0, as YCbCr with 1', async () => {
    const plain = await jpeg('srgb');
    const asIs = await sharp(plain).raw().toBuffer();
    expect(await sharp(settingTransform(plain, 1)).raw().toBuffer()).toEqual(asIs);
    const raw = await sharp(settingTransform(plain, 0)).raw().toBuffer();
    // the grey gradient's Cb and Cr are 128: read as RGB, green and blue are 128 everywhere
    expect(new Set(raw.filter((_, k) => k % 3 !== 0))).toEqual(new Set([128]));
  });

  it('finds a JFIF marker anywhere before the scan, not a short or misnamed APP0', async () => {
    const plain = await jpeg('srgb');
    expect(hasJfifMarker(plain)).toBe(false); // libvips writes none
    expect(hasJfifMarker(withApp(plain, [adobe(1), jfif()]))).toBe(true);
    const sof = plain.indexOf(Buffer.from([0xff, 0xc0]));
    expect(hasJfifMarker(Buffer.concat([plain.subarray(0, sof), jfif(), plain.subarray(sof)]))).toBe(true);
    const misnamed = jfif();
    misnamed[8] = 0x58; // "JFIX"
    expect(hasJfifMarker(withApp(plain, [misnamed]))).toBe(false);
    expect(hasJfifMarker(withApp(plain, [Buffer.from([0xff, 0xe0, 0, 7, 0x4a, 0x46, 0x49, 0x46, 0])]))).toBe(false);
  });
});
