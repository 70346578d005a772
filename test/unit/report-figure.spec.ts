/**
 * The PDF figure of a large 16-bit grey PNG is made off the event loop: its scaling by the image
 * maximum (what the model sees) is a JS pass over every pixel, which held the main thread for a
 * quarter of a second or more at 40 MP. It runs in a decode worker, under the pixel budget, and
 * gives the same figure.
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

  it('8-bit images and small 16-bit ones stay where they are (libvips threads; under 1 MP the pass is short)', async () => {
    const viaWorker = jest.spyOn(pool, 'figure');
    const small16 = await grey16(300, 200);
    const rgb = await sharp({ create: { width: 1400, height: 1000, channels: 3, background: '#405060' } }).png().toBuffer();
    expect((await images.figure(small16, 40_000_000)).equals(await reportFigurePng(small16, 40_000_000))).toBe(true);
    expect((await images.figure(rgb, 40_000_000)).equals(await reportFigurePng(rgb, 40_000_000))).toBe(true);
    expect(viaWorker).not.toHaveBeenCalled();
    viaWorker.mockRestore();
  });
});
