/**
 * GET /samples/:file needs a login but was sent `Cache-Control: public, max-age=3600`: a shared
 * cache (a proxy, a CDN) may keep a `public` answer and hand it to callers who never logged in.
 * It is `private` now, with the same max-age and ETag revalidation for the logged-in browser.
 * /static/ (CSS, scripts; served without a login) stays `public`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loginAs } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, tempDir, testConfig } from '../support/app';
import { solidJpeg } from '../support/images';

describe('demo sample images: cached by the logged-in browser only', () => {
  let app: NestExpressApplication;
  beforeAll(async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'SAMPLES.csv'), 'file,is_mri,body_part,task,label,source,licence\ngrey.jpg,1,brain,brain_tumor,glioma,generated,CC0-1.0\n');
    fs.writeFileSync(path.join(dir, 'grey.jpg'), await solidJpeg(64, 64, 90));
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, SAMPLES_DIR: dir }));
  });
  afterAll(async () => {
    await app.close();
  });

  it('a sample is sent `private, max-age=3600` with an ETag that revalidates to 304', async () => {
    const s = await loginAs(app);
    const ok = await request(app.getHttpServer()).get('/samples/grey.jpg').set(s.headers).expect(200);
    expect(ok.headers['cache-control']).toBe('private, max-age=3600');
    expect(ok.headers.etag).toEqual(expect.any(String));
    const again = await request(app.getHttpServer()).get('/samples/grey.jpg').set(s.headers).set('If-None-Match', ok.headers.etag).expect(304);
    expect(again.headers['cache-control']).toBe('private, max-age=3600');
  });

  it('without a login a sample is not served, and that answer is never stored', async () => {
    const res = await request(app.getHttpServer()).get('/samples/grey.jpg');
    expect(res.status).not.toBe(200);
    expect(res.headers['cache-control']).toMatch(/no-store/);
  });

  it('only /static/ (served without a login) is `public`', async () => {
    const css = await request(app.getHttpServer()).get('/static/css/app.css');
    expect(css.status).toBe(200);
    expect(css.headers['cache-control']).toMatch(/^public/);
  });
});
