/**
 * README "Sample images": "Without the folder the gallery says that no sample is configured" — the
 * upload page still serves (no 500, no empty gallery), and a sample name is a 404.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { loginAs } from '../helpers/auth';
import { FAKE_MODELS_DIR, tempDir } from '../support/app';
import { useApp } from '../support/use-app';

describe('no sample folder (SAMPLES_DIR missing)', () => {
  const missing = path.join(tempDir(), 'no-such-samples');
  // declared before useApp, so it runs before the app starts (hooks run in the order declared)
  beforeAll(() => expect(fs.existsSync(missing)).toBe(false));
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, SAMPLES_DIR: missing } });

  it('the upload page says no sample is configured; a sample name is a 404', async () => {
    const s = await loginAs(h.app);
    const page = await request(h.server).get('/').set(s.headers).set('Accept', 'text/html').expect(200);
    expect(page.text).toContain('No sample images are configured (SAMPLES_DIR).');
    expect(page.text).not.toContain('class="sample-licence"');
    await request(h.server).get('/samples/brain-glioma-1.jpg').set(s.headers).expect(404);
  });
});
