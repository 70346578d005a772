import { AppConfig } from '../../src/config/config.service';
import { parseEnv } from '../../src/config/config.schema';
import { prepareImage } from '../../src/inference/prepare';
import { PreparePool } from '../../src/inference/prepare-pool';
import { preprocess, RawImage } from '../../src/inference/preprocess';

const NORM = { scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
const OTHER = { scale: 1 / 255, mean: [0.4, 0.4, 0.4], std: [0.2, 0.2, 0.2] };

function noise(width: number, height: number, channels: 1 | 3): RawImage {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  return { width, height, channels, data };
}

describe('prepareImage', () => {
  it('equals preprocess() per spec and shares identical specs', () => {
    const img = noise(90, 60, 3);
    const p = prepareImage(img, [{ size: 32, normalization: NORM }, { size: 32, normalization: NORM }, { size: 32, normalization: OTHER }]);
    expect(p.inputs[0]).toBe(p.inputs[1]);
    expect(Array.from(p.inputs[0].tensor)).toEqual(Array.from(preprocess(img, 32, NORM).tensor));
    expect(Array.from(p.inputs[2].tensor)).toEqual(Array.from(preprocess(img, 32, OTHER).tensor));
  });

  it('makes a display-size background, never larger than the image', () => {
    expect(prepareImage(noise(1000, 800, 1), [{ size: 32, normalization: NORM }], 448).display).toMatchObject({ width: 448, height: 358 });
    expect(prepareImage(noise(100, 80, 1), [{ size: 32, normalization: NORM }], 448).display).toMatchObject({ width: 100, height: 80 });
  });
});

describe('PreparePool (worker threads)', () => {
  const pool = new PreparePool(new AppConfig(parseEnv({ INFERENCE_POOL_SIZE: '2' })));
  afterAll(() => pool.onModuleDestroy());

  it('gives the same result in a worker as inline, for several images at once', async () => {
    const imgs = [noise(700, 600, 3), noise(650, 900, 1), noise(800, 520, 3)];
    const specs = [{ size: 64, normalization: NORM }];
    const [inputs, displays] = await Promise.all([
      Promise.all(imgs.map((img) => pool.inputs(img, specs))),
      Promise.all(imgs.map((img) => pool.display(img))),
    ]);
    imgs.forEach((img, i) => {
      const inline = prepareImage(img, specs);
      expect(inputs[i][0].geometry).toEqual(inline.inputs[0].geometry);
      expect(Array.from(inputs[i][0].tensor)).toEqual(Array.from(inline.inputs[0].tensor));
      expect(displays[i]).toMatchObject({ width: inline.display.width, height: inline.display.height });
      expect(Array.from(displays[i].luma)).toEqual(Array.from(inline.display.luma));
    });
  });
});
