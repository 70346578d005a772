import { NestExpressApplication } from '@nestjs/platform-express';
import sharp, { type OutputInfo } from 'sharp';
import request from 'supertest';
import { decodeImage } from '../../src/inference/image-decoder';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { solidPng } from '../support/images';

/**
 * A 16-bit grey PNG holding a 12-bit scan (0..4095, how many MR exports come) is analysed scaled
 * by its maximum (ml/'s contract), but a browser shows its top 8 bits: Chromium drew such a file
 * with a mean of 7 of 255, a black square, as the page's "Original" and under the heat map while
 * the model and the PDF figure had the full-contrast image. The result now carries the analysed
 * image (`preview`) for those files, and the page shows it; other uploads look the same in the
 * browser as to the model, and their results stay as they were (no extra bytes).
 */
async function grey12In16(width: number, height: number): Promise<Buffer> {
  const raw = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw[y * width + x] = Math.round((4095 * (x + y)) / (width + height - 2));
  return sharp(raw, { raw: { width, height, channels: 1 } }).toColourspace('grey16').png().toBuffer();
}

async function previewOf(body: { preview?: string }): Promise<{ data: Buffer; info: OutputInfo }> {
  expect(body.preview).toMatch(/^data:image\/jpeg;base64,/);
  return sharp(Buffer.from(body.preview!.split(',')[1], 'base64')).greyscale().raw().toBuffer({ resolveWithObject: true });
}

const mean = (a: Uint8Array) => a.reduce((s, v) => s + v, 0) / a.length;

describe('the analysed image of a 16-bit grey upload comes back with the result', () => {
  let app: NestExpressApplication;
  let user: TestSession;
  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_ANALYSES_PER_MINUTE: '100' }));
    user = await loginAs(app);
  });
  afterAll(async () => app.close());

  const post = (bytes: Buffer) => request(app.getHttpServer()).post('/api/v1/analyses').set(user.bearer).attach('image', bytes, 'scan.png').expect(200);

  it.each([
    ['a small one (decoded on the main thread)', 300, 200, 300, 200],
    ['a large one (decoded and reduced in a worker)', 1200, 1000, 448, 373],
  ])('%s: scaled by its maximum, at the heat map size, not the top 8 bits a browser shows', async (_name, w, h, pw, ph) => {
    const png = await grey12In16(w, h);
    const analysed = await decodeImage(png, { maxPixels: 40_000_000, minSide: 64 });
    const res = await post(png);
    const { data, info } = await previewOf(res.body);
    expect([info.width, info.height]).toEqual([pw, ph]);
    // the browser's view of the file: v >> 8 of 0..4095, a mean of about 7
    expect(mean(analysed.data)).toBeGreaterThan(120);
    expect(Math.abs(mean(data) - mean(analysed.data))).toBeLessThan(2);
    expect(data.reduce((m, v) => Math.max(m, v), 0)).toBeGreaterThan(250);
  });

  it('also for a refusal and with explain=false (it is the image analysed, not the explanation)', async () => {
    const png = await grey12In16(256, 256);
    const res = await request(app.getHttpServer()).post('/api/v1/analyses').set(user.bearer).field('explain', 'false').attach('image', png, 'scan.png').expect(200);
    expect(res.body.explanation).toBeNull();
    await previewOf(res.body);
  });

  it('an 8-bit upload, which the browser shows as analysed, gets no preview', async () => {
    const res = await post(await solidPng(300, 300, 255));
    expect(res.body).not.toHaveProperty('preview');
  });
});
