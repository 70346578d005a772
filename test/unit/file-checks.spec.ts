import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { CorruptImageError, EmptyFileError, FileTooLargeError, ResolutionOutOfRangeError, UnsupportedTypeError } from '../../src/common/errors';
import { checkResolution, decodeImage, toGreyOrRgb } from '../../src/inference/image-decoder';
import { reportFigurePng } from '../../src/inference/image-encoder';
import { checkFileBytes, sniffImageType } from '../../src/validation/file-checks';
import { greyIdatData, ihdr, PNG_SIG, pngChunk } from '../hostile/bytes';

const LIMITS = { maxPixels: 40_000_000, minSide: 64 };

describe('file checks on bytes', () => {
  it('recognises JPEG and PNG by magic bytes only', () => {
    expect(sniffImageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]))).toBe('jpeg');
    expect(sniffImageType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('png');
    expect(sniffImageType(Buffer.from('GIF89a……'))).toBeNull();
    expect(sniffImageType(Buffer.from('hello, I am text named scan.jpg'))).toBeNull();
    expect(sniffImageType(Buffer.alloc(0))).toBeNull();
  });

  it('rejects wrong types with 415 and oversize with 413', () => {
    expect(() => checkFileBytes(Buffer.from('text'), 100)).toThrow(UnsupportedTypeError);
    expect(() => checkFileBytes(Buffer.alloc(101, 0xff), 100)).toThrow(FileTooLargeError);
    expect(checkFileBytes(Buffer.from([0xff, 0xd8, 0xff, 0xdb]), 100)).toBe('jpeg');
    expect(new UnsupportedTypeError().statusCode).toBe(415);
    expect(new FileTooLargeError(5).statusCode).toBe(413);
  });

  it('an empty (0-byte) file is a 400 EMPTY_FILE saying so, not "Only JPEG and PNG" (415): its type is not the problem', () => {
    const err = (() => {
      try {
        checkFileBytes(Buffer.alloc(0), 100);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(EmptyFileError);
    expect(err).toMatchObject({ code: 'EMPTY_FILE', statusCode: 400 });
    expect((err as Error).message).toMatch(/^The file is empty \(0 bytes\)/);
    // one byte is a file of the wrong type, as before
    expect(() => checkFileBytes(Buffer.from([0xff]), 100)).toThrow(UnsupportedTypeError);
  });

  it('checks resolution bounds', () => {
    expect(() => checkResolution(10, 10, LIMITS)).toThrow(ResolutionOutOfRangeError);
    expect(() => checkResolution(64, 63, LIMITS)).toThrow(ResolutionOutOfRangeError);
    expect(() => checkResolution(8000, 5001, LIMITS)).toThrow(ResolutionOutOfRangeError);
    expect(() => checkResolution(64, 64, LIMITS)).not.toThrow();
    // just over the limit reads as over it (rounded megapixels said "40.0; at most 40")
    expect(() => checkResolution(40_001, 1000, { maxPixels: 40_000_000, minSide: 64 })).toThrow(/40,001,000 pixels; at most 40,000,000/);
  });

  it('flattens alpha onto black like ml/ (floor(c·a/255 + 0.5))', () => {
    const rgba = Uint8Array.from([200, 100, 50, 128, 10, 20, 30, 255]);
    const out = toGreyOrRgb(rgba, 2, 1, 4);
    expect(out.channels).toBe(3);
    expect(Array.from(out.data)).toEqual([100, 50, 25, 10, 20, 30]);
    const la = toGreyOrRgb(Uint8Array.from([255, 0, 255, 51]), 2, 1, 2);
    expect(Array.from(la.data)).toEqual([0, 51]);
  });
});

describe('decoding (sharp, in memory)', () => {
  // CMYK JPEGs are refused before decoding: test/unit/jpeg-frame.spec.ts
  it('decodes grey, RGB, RGBA and 16-bit inputs to 8-bit', async () => {
    const grey = await sharp({ create: { width: 80, height: 70, channels: 3, background: '#808080' } }).greyscale().png().toBuffer();
    const g = await decodeImage(grey, LIMITS);
    expect([g.width, g.height, g.format]).toEqual([80, 70, 'png']);

    const rgba = await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.5 } } }).png().toBuffer();
    const a = await decodeImage(rgba, LIMITS);
    expect(a.channels).toBe(3);
    expect(a.data[0]).toBeGreaterThan(120);
    expect(a.data[0]).toBeLessThan(135);

    const raw16 = new Uint16Array(64 * 64).fill(1000);
    raw16[0] = 4000;
    const png16 = await sharp(raw16, { raw: { width: 64, height: 64, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toBuffer();
    const d16 = await decodeImage(png16, LIMITS);
    expect(d16.channels).toBe(1);
    expect(d16.data[0]).toBe(255); // scaled by the image maximum, as ml/ does
  });

  it('16-bit grey keeps its 16 bits before ml/\'s scaling by the maximum (a 12-bit or low-range scan is not cut to a few grey levels)', async () => {
    for (const top of [1020, 255, 50_000]) {
      const raw = new Uint16Array(96 * 80);
      for (let i = 0; i < raw.length; i++) raw[i] = Math.round(((i * 7919) % 1000) / 999 * top);
      const png = await sharp(raw, { raw: { width: 96, height: 80, channels: 1 } }).toColourspace('grey16').png().toBuffer();
      const d = await decodeImage(png, LIMITS);
      const hi = Math.max(1, ...raw);
      const expected = Array.from(raw, (v) => Math.min(255, Math.floor((v * 255) / hi + 0.5))); // ml/ data.to_rgb8
      expect(d.channels).toBe(1);
      expect(Array.from(d.data)).toEqual(expected);
    }
  });

  it('the PDF figure of a low-range 16-bit grey PNG is the image the model saw (scaled by its maximum), not a black 8-bit cast', async () => {
    const raw = new Uint16Array(120 * 100);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) % 1021; // 0..1020: a 10-bit range
    const png = await sharp(raw, { raw: { width: 120, height: 100, channels: 1 } }).toColourspace('grey16').png().toBuffer();
    const figure = await reportFigurePng(png, 40_000_000);
    const stats = await sharp(figure).stats();
    expect(stats.channels[0].max).toBe(255);
    const decoded = await decodeImage(png, LIMITS);
    const { data } = await sharp(figure).raw().toBuffer({ resolveWithObject: true });
    const channels = data.length / decoded.data.length; // grey, or grey written as three equal channels
    expect(Array.from(decoded.data, (_v, i) => data[i * channels])).toEqual(Array.from(decoded.data)); // same size: the same pixels
  });

  it('16-bit grey with alpha is flattened onto black like ml/ (PIL opens it as 8-bit LA)', async () => {
    const raw = new Uint16Array(64 * 64 * 2);
    for (let i = 0; i < 64 * 64; i++) {
      raw[2 * i] = (i * 2654435761) % 65536;
      raw[2 * i + 1] = i % 2 ? 65535 : 32768;
    }
    const png = await sharp(raw, { raw: { width: 64, height: 64, channels: 2 } }).toColourspace('grey16').png().toBuffer();
    const d = await decodeImage(png, LIMITS);
    // libvips hands grey + alpha over as sRGB + alpha: three equal channels, the same luma as ml/'s one
    for (let i = 0; i < 64 * 64; i++) {
      const l = raw[2 * i] >> 8;
      const a = raw[2 * i + 1] >> 8;
      for (let c = 0; c < d.channels; c++) expect(d.data[i * d.channels + c]).toBe(Math.floor((l * a) / 255 + 0.5));
    }
  });

  it('a grey PNG\'s tRNS value is black, and 16-bit grey with one is still scaled by its maximum (ml/ to_rgb8)', async () => {
    // 16-bit grey, colour type 0 + tRNS: libvips hands it over with an alpha channel; it used to go the
    // 8-bit way (the top 8 bits: a 12-bit scan nearly black), ml/ scales it by its maximum
    const w = 64;
    const raw = new Uint16Array(w * w);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 37) % 4001; // 0..4000, a 12-bit range
    const key = raw[5];
    const rows = Buffer.alloc((2 * w + 1) * w);
    for (let i = 0; i < raw.length; i++) rows.writeUInt16BE(raw[i], Math.floor(i / w) * (2 * w + 1) + 1 + 2 * (i % w));
    const trns = Buffer.alloc(2);
    trns.writeUInt16BE(key);
    const png16 = Buffer.concat([PNG_SIG, ihdr(w, w, 16, 0), pngChunk('tRNS', trns), pngChunk('IDAT', zlib.deflateSync(rows)), pngChunk('IEND', Buffer.alloc(0))]);
    const d16 = await decodeImage(png16, LIMITS);
    const hi = Math.max(...raw);
    expect(d16.channels).toBe(1);
    expect(Array.from(d16.data)).toEqual(Array.from(raw, (v) => (v === key ? 0 : Math.floor((v * 255) / hi + 0.5))));
    // 8-bit grey + tRNS: those pixels black, as for RGB and palettes
    const grey = Buffer.from(Array.from({ length: w * w }, (_, i) => (i * 7) % 256));
    const png8 = Buffer.concat([PNG_SIG, ihdr(w, w, 8, 0), pngChunk('tRNS', Buffer.from([0, 7])), pngChunk('IDAT', greyIdatData(grey, w, w)), pngChunk('IEND', Buffer.alloc(0))]);
    const d8 = await decodeImage(png8, LIMITS);
    expect(Array.from(d8.data).filter((_, i) => i % d8.channels === 0)).toEqual(Array.from(grey, (v) => (v === 7 ? 0 : v)));
  });

  it('applies EXIF orientation', async () => {
    const jpeg = await sharp({ create: { width: 100, height: 70, channels: 3, background: '#fff' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const d = await decodeImage(jpeg, LIMITS);
    expect([d.width, d.height]).toEqual([70, 100]);
  });

  it('rejects truncated files as corrupt and tiny ones as out of range', async () => {
    const jpeg = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#123456' } }).jpeg().toBuffer();
    await expect(decodeImage(jpeg.subarray(0, Math.floor(jpeg.length / 2)), LIMITS)).rejects.toBeInstanceOf(CorruptImageError);
    await expect(decodeImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), LIMITS)).rejects.toBeInstanceOf(CorruptImageError);
    const tiny = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } }).png().toBuffer();
    await expect(decodeImage(tiny, LIMITS)).rejects.toBeInstanceOf(ResolutionOutOfRangeError);
  });
});
