import { ImageRef, PixelCache } from '../../src/inference/pixel-cache';
import { displayFromLuma } from '../../src/inference/prepare';
import { letterbox, toLuma } from '../../src/inference/preprocess';

function image(key: number, width: number, height: number): ImageRef & { data: Uint8Array } {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761 + key) >>> 24;
  return { key, width, height, channels: 3, data };
}
const noPixels = ({ data: _data, ...ref }: ImageRef & { data: Uint8Array }): ImageRef => ref;

describe('PixelCache (inference worker)', () => {
  it('gives the same letterbox and display as computing them directly, with or without the pixels resent', () => {
    const cache = new PixelCache(32 * 2 ** 20, 30_000, 4_000_000);
    const img = image(1, 300, 200);
    const luma = toLuma(img);
    const direct = letterbox(luma, 300, 200, 64);
    expect(cache.letterbox(img, 64, [64, 96])).toEqual(direct);
    expect(cache.letterbox(noPixels(img), 64, [64, 96])).toEqual(direct);
    expect(cache.letterbox(noPixels(img), 96, [64, 96])).toEqual(letterbox(luma, 300, 200, 96));
    expect(cache.display(noPixels(img), [64, 96])).toEqual(displayFromLuma(luma, 300, 200));
  });

  it('answers null for an image it never had pixels of (the sender resends them)', () => {
    const cache = new PixelCache(32 * 2 ** 20, 30_000, 4_000_000);
    expect(cache.letterbox(noPixels(image(7, 100, 100)), 64, [64])).toBeNull();
    expect(cache.display(noPixels(image(7, 100, 100)), [64])).toBeNull();
  });

  it('keeps only the model inputs and the display of a large image, made from the same luma', () => {
    const cache = new PixelCache(32 * 2 ** 20, 30_000, 100_000);
    const img = image(2, 500, 400); // 200 000 px: "large" here
    const luma = toLuma(img);
    expect(cache.letterbox(img, 64, [64, 96])).toEqual(letterbox(luma, 500, 400, 64));
    expect(cache.letterbox(noPixels(img), 96, [64, 96])).toEqual(letterbox(luma, 500, 400, 96));
    expect(cache.display(noPixels(img), [64, 96])).toEqual(displayFromLuma(luma, 500, 400));
  });

  it('drops the least recently used images beyond its byte budget', () => {
    const cache = new PixelCache(3 * 100 * 100 * 4, 30_000, 4_000_000); // three 100² luma planes
    for (let k = 1; k <= 4; k++) cache.letterbox(image(k, 100, 100), 32, [32]);
    expect(cache.size).toBe(3);
    expect(cache.letterbox(noPixels(image(1, 100, 100)), 32, [32])).toBeNull();
    expect(cache.letterbox(noPixels(image(4, 100, 100)), 32, [32])).not.toBeNull();
  });
});
