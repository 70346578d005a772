/**
 * The PDF figure of a large 16-bit grey PNG is made off the event loop: its scaling by the image
 * maximum (what the model sees) is a JS pass over every pixel, which held the main thread for a
 * quarter of a second or more at 40 MP. It runs in a decode worker, under the pixel budget, and
 * gives the same figure; so does every other image above LARGE_IMAGE_PIXELS (a large 8-bit decode
 * holds as many pixels).
 */
import sharp from 'sharp';
import { parseEnv } from '../../src/config/config.schema';
import { AppConfig } from '../../src/config/config.service';
import { ImageDecodeService, LARGE_IMAGE_PIXELS } from '../../src/inference/image-decode.service';
import * as imageDecoder from '../../src/inference/image-decoder';
import { reportFigurePng } from '../../src/inference/image-encoder';
import { PreparePool } from '../../src/inference/prepare-pool';

/** 16-bit grey, values 0..1020 (a 10-bit range: an 8-bit cast of it would be black) */
async function grey16(width: number, height: number): Promise<Buffer> {
  const raw = new Uint16Array(width * height);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) % 1021;
  return sharp(raw, { raw: { width, height, channels: 1 } }).toColourspace('grey16').png({ compressionLevel: 1 }).toBuffer();
}

describe('ImageDecodeService.figure (the PDF report figure)', () => {
  const config = new AppConfig(parseEnv({ INFERENCE_POOL_SIZE: '2', INFERENCE_PIXEL_BUDGET: String(2 * LARGE_IMAGE_PIXELS) }));
  const pool = new PreparePool(config);
  const images = new ImageDecodeService(config, pool);
  afterAll(() => pool.onModuleDestroy());
  // a test that fails mid-way leaves its spy on `pool.figure`; the next one's spy would wrap it and recurse
  afterEach(() => jest.restoreAllMocks());

  it('a large 16-bit grey PNG: made in a worker (no pass over its pixels on this thread), under the budget, the same figure', async () => {
    const png = await grey16(1200, 1000);
    const onThisThread = jest.spyOn(imageDecoder, 'decodePixels');
    const original = pool.figure.bind(pool);
    let held = 0;
    const viaWorker = jest.spyOn(pool, 'figure').mockImplementation((bytes, maxPixels) => {
      held = images.budget.inUse; // while the worker makes it
      return original(bytes, maxPixels);
    });
    const figure = await images.figure(png, 40_000_000);
    expect(viaWorker).toHaveBeenCalledTimes(1);
    expect(onThisThread).not.toHaveBeenCalled();
    expect(held).toBe(1_200_000);
    expect(images.budget.inUse).toBe(0);
    onThisThread.mockRestore();
    viaWorker.mockRestore();
    // the figure the main thread would have made: the model's image (scaled by its maximum), ≤ 1024 px
    const inline = await reportFigurePng(png, 40_000_000);
    expect(figure.equals(inline)).toBe(true);
    const meta = await sharp(figure).metadata();
    expect([meta.width, meta.height]).toEqual([1024, 853]);
    expect((await sharp(figure).stats()).channels[0].max).toBeGreaterThan(200); // scaled by its maximum, not an 8-bit cast (black)
  });

  it('a large 8-bit image takes the same budgeted path (before, it was decoded here outside the budget): the same figure, byte for byte', async () => {
    const rgb = await sharp({ create: { width: 1400, height: 1000, channels: 3, background: '#405060' } }).png().toBuffer();
    // an EXIF-rotated (orientation 6) JPEG of noise: its rotation and colour conversion happen in the worker too
    const noise = new Uint8Array(1300 * 900 * 3).map((_, i) => (i * 2654435761) >>> 24);
    const rotated = await sharp(noise, { raw: { width: 1300, height: 900, channels: 3 } }).jpeg({ quality: 85 }).withMetadata({ orientation: 6 }).toBuffer();
    for (const [bytes, pixels] of [[rgb, 1_400_000], [rotated, 1_170_000]] as const) {
      const original = pool.figure.bind(pool);
      let held = -1;
      const viaWorker = jest.spyOn(pool, 'figure').mockImplementation((b, maxPixels) => {
        held = images.budget.inUse; // while the worker makes it
        return original(b, maxPixels);
      });
      const figure = await images.figure(bytes, 40_000_000);
      expect(viaWorker).toHaveBeenCalledTimes(1);
      viaWorker.mockRestore();
      expect(held).toBe(pixels);
      expect(images.budget.inUse).toBe(0);
      expect(figure.equals(await reportFigurePng(bytes, 40_000_000))).toBe(true);
    }
  });

  it('small images, 8- or 16-bit, stay here (under 1 MP a worker round trip costs more than the figure)', async () => {
    const viaWorker = jest.spyOn(pool, 'figure');
    const small16 = await grey16(300, 200);
    const small8 = await sharp({ create: { width: 900, height: 1000, channels: 3, background: '#405060' } }).png().toBuffer();
    expect((await images.figure(small16, 40_000_000)).equals(await reportFigurePng(small16, 40_000_000))).toBe(true);
    expect((await images.figure(small8, 40_000_000)).equals(await reportFigurePng(small8, 40_000_000))).toBe(true);
    expect(viaWorker).not.toHaveBeenCalled();
    viaWorker.mockRestore();
  });
});
