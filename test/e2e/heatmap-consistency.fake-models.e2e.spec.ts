/**
 * One upload, one heat map: the API's JSON (which the page's script shows), the answer page without
 * JavaScript and the full PDF report carry the same map — the same JPEG bytes — for the same image.
 * The real app on the fixture models (their cam follows brightness under a central window, so a
 * dark disc off-centre makes a map that is not uniform, with a region that stands out); the image is made in code.
 */
import type { Server } from 'node:http';
import sharp from 'sharp';
import request from 'supertest';
import { binary } from '../helpers/pdf-text';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';

const jpegOf = (dataUrl: string) => Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');

/** White 300 × 300 with a grey disc in the upper left: still a brain MRI with glioma to the fakes. */
async function upload(): Promise<Buffer> {
  const side = 300;
  const d = Buffer.alloc(side * side, 255);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) if ((x - 80) ** 2 + (y - 70) ** 2 < 20 ** 2) d[y * side + x] = 150;
  return sharp(d, { raw: { width: side, height: side, channels: 1 } }).png().toBuffer();
}

describe('the API, the answer page and the PDF show the same heat map for one upload', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR }, sessions: { alice: {} } });
  const { alice } = h.sessions;
  let image: Buffer;
  let api: { label: string; analysisId: string; explanation: { heatmap: string } };

  beforeAll(async () => {
    image = await upload();
    api = (await request(h.server).post('/api/v1/analyses').set(alice.bearer).attach('image', image, 'x.png').expect(200)).body;
  });

  it('the API answers glioma with a map that is not uniform', async () => {
    expect(api).toMatchObject({ label: 'glioma', explanation: { heatmap: expect.stringMatching(/^data:image\/jpeg;base64,/), focus: 'region' } });
    const { channels } = await sharp(jpegOf(api.explanation.heatmap)).stats();
    expect(channels[0].max - channels[0].min).toBeGreaterThan(40); // 79 measured: the map is not one colour
  });

  it('the answer page without JavaScript: the same JPEG', async () => {
    const res = await request(h.server).post('/analyse').set('Cookie', alice.cookie).set('Accept', 'text/html').field('_csrf', alice.csrfToken).field('explain', 'true').attach('image', image, 'x.png').expect(200);
    // (the template writes '=' as &#x3D;)
    const src = /<img src="(data:image\/jpeg;base64,[^"]+)" alt="The analysed image with a heat map/.exec(res.text)?.[1].replace(/&#x3D;/g, '=');
    expect(src).toBe(api.explanation.heatmap);
  });

  it('the full PDF report of that analysis: the same JPEG, embedded as it is', async () => {
    const pdf = (await request(h.server).post('/api/v1/reports').set(alice.bearer).field('analysisId', api.analysisId).attach('image', image, 'x.png').buffer(true).parse(binary).expect(200)).body as Buffer;
    expect(pdf.includes(jpegOf(api.explanation.heatmap))).toBe(true);
  });
});
