/**
 * README "Sample images": "Without the folder the gallery says that no sample is configured" — the
 * upload page still serves (no 500, no empty gallery), and a sample name is a 404.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loginAs } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, tempDir, testConfig } from '../support/app';

describe('no sample folder (SAMPLES_DIR missing)', () => {
  let app: NestExpressApplication;
  const missing = path.join(tempDir(), 'no-such-samples');
  beforeAll(async () => {
    expect(fs.existsSync(missing)).toBe(false);
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, SAMPLES_DIR: missing }));
  });
  afterAll(async () => {
    await app.close();
  });

  it('the upload page says no sample is configured; a sample name is a 404', async () => {
    const s = await loginAs(app);
    const page = await request(app.getHttpServer()).get('/').set(s.headers).set('Accept', 'text/html').expect(200);
    expect(page.text).toContain('No sample images are configured (SAMPLES_DIR).');
    expect(page.text).not.toContain('class="sample-licence"');
    await request(app.getHttpServer()).get('/samples/brain-glioma-1.jpg').set(s.headers).expect(404);
  });
});
