/**
 * The page's "MRI check" figure for a refusal the image checks made while the model said MRI:
 * a brain MRI with a white frame (as screenshots and exports have) is refused by the background
 * gate, and the stage read "not MRI · < 0.1 %" — the model's figure against the refusal. Now it
 * names the check that refused it (the answer's refusal), and no model figure, which did not decide
 * (it said "refused by the image checks; the model alone: MRI > 99.9 %" before). Real models and samples
 * (../shared/samples, read at test time); skipped without them or without Chromium.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { REPO_ROOT, SAMPLES_DIR } from '../support/app';
import { analyseFromPageAnswer, HAVE_CHROMIUM, useSignedInPage } from './harness';

const SAMPLE = path.join(SAMPLES_DIR, 'brain-glioma-1.jpg');
const REAL = fs.existsSync(path.join(REPO_ROOT, 'models', 'triage', 'model_card.json')) && fs.existsSync(SAMPLE);
const ADMIN = { email: 'mri-check-admin@example.org', password: 'mri-check-test-password-1' };

(HAVE_CHROMIUM && REAL ? describe : describe.skip)('the MRI check of a framed brain MRI', () => {
  const h = useSignedInPage({ admin: ADMIN, env: { MODELS_DIR: path.join(REPO_ROOT, 'models') } });

  it('names the image check that refused it, not 1 − P(MRI)', async () => {
    const page = h.page;
    const framed = await sharp(fs.readFileSync(SAMPLE)).extend({ top: 12, bottom: 12, left: 12, right: 12, background: '#ffffff' }).jpeg().toBuffer();
    const r = await analyseFromPageAnswer<{ analysisId: string; code: string; mriConfidence: number }>(page, framed, { name: 'framed.jpg', mimeType: 'image/jpeg' });
    expect(r.code).toBe('NOT_MRI');
    expect(r.mriConfidence).toBeGreaterThan(0.5);
    const details = await page.locator('#stages .stage-detail').allTextContents();
    expect(details[1]).toMatch(/^not MRI \(refused by the bright-background check\)/);
  });
});
