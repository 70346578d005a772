import sharp from 'sharp';
import { CorruptImageError } from '../../src/common/errors';
import { readImageHeader } from '../../src/inference/image-decoder';
import { countJpegScans, MAX_JPEG_SCANS } from '../../src/inference/jpeg-scans';

const limits = { maxPixels: 40_000_000, minSide: 64 };

/** Noise (so the entropy-coded data holds stuffed 0xFF00 bytes and restart-free runs). */
async function noiseJpeg(progressive: boolean): Promise<Buffer> {
  const raw = Buffer.alloc(256 * 256 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
  return sharp(raw, { raw: { width: 256, height: 256, channels: 3 } }).jpeg({ progressive, quality: 95 }).toBuffer();
}

/** The same JPEG with its last scan repeated `times` more before EOI: a scan bomb in miniature. */
function withRepeatedLastScan(jpeg: Buffer, times: number): Buffer {
  const lastSos = jpeg.lastIndexOf(Buffer.from([0xff, 0xda]));
  const eoi = jpeg.length - 2;
  const scan = jpeg.subarray(lastSos, eoi);
  return Buffer.concat([jpeg.subarray(0, eoi), ...Array.from({ length: times }, () => scan), jpeg.subarray(eoi)]);
}

describe('JPEG scan count (read from the markers, before any decode)', () => {
  it('counts one scan in a baseline JPEG whose data holds stuffed 0xFF bytes, and a handful in a progressive one', async () => {
    const baseline = await noiseJpeg(false);
    expect(baseline.includes(Buffer.from([0xff, 0x00]))).toBe(true);
    expect(countJpegScans(baseline)).toBe(1);
    const progressive = await noiseJpeg(true);
    const n = countJpegScans(progressive);
    expect(n).toBeGreaterThan(1);
    expect(n).toBeLessThanOrEqual(20);
    await expect(readImageHeader(progressive, limits)).resolves.toMatchObject({ format: 'jpeg', width: 256 });
  });

  it(`refuses a JPEG with more than ${MAX_JPEG_SCANS} scans as corrupt before decoding, and stops counting past the limit`, async () => {
    const bomb = withRepeatedLastScan(await noiseJpeg(true), 300);
    expect(countJpegScans(bomb)).toBe(MAX_JPEG_SCANS + 1);
    expect(countJpegScans(bomb, 1000)).toBeGreaterThan(300);
    const err = await readImageHeader(bomb, limits).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptImageError);
    expect((err as Error).message).toMatch(/more than 128 scans/);
    // at the limit it is still read
    const many = withRepeatedLastScan(await noiseJpeg(false), MAX_JPEG_SCANS - 1);
    expect(countJpegScans(many)).toBe(MAX_JPEG_SCANS);
    await expect(readImageHeader(many, limits)).resolves.toMatchObject({ format: 'jpeg' });
  });

  it('ends the count quietly on truncated or foreign bytes', () => {
    expect(countJpegScans(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBe(0);
    expect(countJpegScans(new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0x00]))).toBe(0);
    expect(countJpegScans(new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0x12, 0x34]))).toBe(1);
  });
});
