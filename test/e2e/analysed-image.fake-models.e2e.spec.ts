import sharp, { type OutputInfo } from 'sharp';
import request from 'supertest';
import { decodeImage } from '../../src/inference/image-decoder';
import { PNG_SIG, pngChunk } from '../hostile/bytes';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { greyIccProfile, jpegWithIcc, pngWithIcc } from '../support/icc-profiles';
import { solidPng } from '../support/images';

/**
 * A 16-bit grey PNG holding a 12-bit scan (0..4095, how many MR exports come) is analysed scaled
 * by its maximum (ml/'s contract), but a browser shows its top 8 bits: Chromium drew such a file
 * with a mean of 7 of 255, a black square, as the page's "Original" and under the heat map while
 * the model and the PDF figure had the full-contrast image. Likewise a file's ICC profile or PNG
 * gamma, ignored for the model as in ml/, is applied by the browser: a grey PNG tagged with a
 * linear grey profile or gAMA 1.0 drew with a mean of 176 where the model had 128. The result now
 * carries the analysed image (`preview`) for those files, and the page shows it; other uploads
 * look the same in the browser as to the model, and their results stay as they were.
 */
async function grey12In16(width: number, height: number): Promise<Buffer> {
  const raw = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw[y * width + x] = Math.round((4095 * (x + y)) / (width + height - 2));
  return sharp(raw, { raw: { width, height, channels: 1 } }).toColourspace('grey16').png().toBuffer();
}

/** A grey gradient PNG with `chunks` inserted right after IHDR. */
async function greyPngWith(chunks: Buffer[]): Promise<Buffer> {
  const png = await gradient().png().toBuffer();
  return Buffer.concat([PNG_SIG, png.subarray(8, 33), ...chunks, png.subarray(33)]);
}

const gradient = () => {
  const raw = Buffer.alloc(256 * 256);
  for (let i = 0; i < raw.length; i++) raw[i] = (i % 256 + (i >> 8)) >> 1;
  return sharp(raw, { raw: { width: 256, height: 256, channels: 1 } }).toColourspace('b-w');
};

const gamma = (g: number) => {
  const d = Buffer.alloc(4);
  d.writeUInt32BE(g);
  return pngChunk('gAMA', d);
};

async function previewOf(body: { preview?: string }): Promise<{ data: Buffer; info: OutputInfo }> {
  expect(body.preview).toMatch(/^data:image\/jpeg;base64,/);
  return sharp(Buffer.from(body.preview!.split(',')[1], 'base64')).greyscale().raw().toBuffer({ resolveWithObject: true });
}

const mean = (a: Uint8Array) => a.reduce((s, v) => s + v, 0) / a.length;

describe('the analysed image of a 16-bit grey upload comes back with the result', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_ANALYSES_PER_MINUTE: '100' }, sessions: { user: {} } });
  const { user } = h.sessions;

  const post = (bytes: Buffer) => request(h.server).post('/api/v1/analyses').set(user.bearer).attach('image', bytes, 'scan.png').expect(200);

  it('the preview goes back in the response only: the history record holds no image data', async () => {
    const res = await post(await grey12In16(300, 200));
    await previewOf(res.body);
    expect(res.body.analysisId).toEqual(expect.any(String));
    const rec = await request(h.server).get(`/api/v1/history/${res.body.analysisId}`).set(user.bearer).expect(200);
    const text = JSON.stringify(rec.body);
    expect(text).not.toContain('data:image');
    expect(text).not.toContain('preview');
    expect(text).not.toContain(res.body.preview.split(',')[1].slice(0, 64));
  });

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
    const res = await request(h.server).post('/api/v1/analyses').set(user.bearer).field('explain', 'false').attach('image', png, 'scan.png').expect(200);
    expect(res.body.explanation).toBeNull();
    await previewOf(res.body);
  });

  it.each([
    ['a grey PNG tagged with a linear grey ICC profile', async () => pngWithIcc(await gradient().png().toBuffer(), greyIccProfile(1.0))],
    ['a grey JPEG tagged with a linear grey ICC profile', async () => jpegWithIcc(await gradient().jpeg({ quality: 95 }).toBuffer(), greyIccProfile(1.0))],
    ['a grey PNG with gAMA 1.0', () => greyPngWith([gamma(100_000)])],
  ])('%s: the stored values, which the model was given, not the browser\'s conversion', async (_name, make) => {
    const bytes = await make();
    const analysed = await decodeImage(bytes, { maxPixels: 40_000_000, minSide: 64 });
    const { data, info } = await previewOf((await post(bytes)).body);
    expect([info.width, info.height]).toEqual([256, 256]);
    const stored = Array.from(analysed.data).filter((_v, i) => i % analysed.channels === 0);
    let worst = 0;
    for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(data[i] - stored[i]));
    expect(worst).toBeLessThanOrEqual(6); // JPEG quality 90 of the same pixels; a linear profile moves them ~47 on average
  });

  it.each([
    ['an 8-bit PNG', () => solidPng(300, 300, 255)],
    ['a PNG with gAMA 1/2.2 (how most writers tag plain images)', () => greyPngWith([gamma(45_455)])],
    ['a PNG whose sRGB chunk overrides its gAMA', () => greyPngWith([pngChunk('sRGB', Buffer.from([0])), gamma(100_000)])],
  ])('%s, which the browser shows as analysed, gets no preview', async (_name, make) => {
    const res = await post(await make());
    expect(res.body).not.toHaveProperty('preview');
  });
});
