/**
 * Files of a study upload that were copies of other slices (the same file twice; the same image
 * under a second SOP Instance UID: instance-copies.ts) were dropped without a word: 5 files sent,
 * "3 slices" shown and no reason. The study page now says it, in the answer's message and in the
 * details list (Debian's Chromium via playwright-core, fake models).
 */
import { dicomSeries, dicomSlice, newUid, syntheticSlice } from '../support/study-fixtures';
import { HAVE_CHROMIUM, useSignedInPage } from './harness';

const ADMIN = { email: 'study-copies-admin@example.org', password: 'study-copies-password-1' };

(HAVE_CHROMIUM ? describe : describe.skip)('the study page says how many files were left out as copies', () => {
  // bright slices: the fake triage says brain, the fake diagnosis glioma
  const slices = Array.from({ length: 3 }, (_, k) => syntheticSlice(96, 96, (x, y) => ((x + y + k) % 89 === 0 ? 250 : 255)));
  const series = dicomSeries(slices);
  // slice 2 sent twice, and again under a new SOP Instance UID (same position, same pixels)
  const upload = [...series, series[1], dicomSlice(slices[1], { z: 5, instanceNumber: 2, sopInstanceUid: newUid() })];

  const h = useSignedInPage({ admin: ADMIN, env: { RATE_LIMIT_ANALYSES_PER_MINUTE: '200' } });
  const text = async (sel: string) => ((await h.page.locator(sel).textContent()) ?? '').trim();

  beforeAll(async () => {
    await h.page.goto(`${h.base}/studies`);
    await h.page.setInputFiles('#study-files', upload.map((b, i) => ({ name: `c${i}.dcm`, mimeType: 'application/dicom', buffer: b })));
    await h.page.click('#study-submit');
    await h.page.locator('#study-result').waitFor({ state: 'visible' });
  });

  it('the message says 2 files were left out as copies', async () => {
    await expect(text('#study-message')).resolves.toContain('2 files were left out as copies of other slices (the same image under the same or another SOP Instance UID): each image is analysed once.');
  });

  it('the details list has a "Copies left out" row beside the 3 slices', async () => {
    await expect(text('#study-meta dt:text-is("Copies left out") + dd')).resolves.toBe('2 files — copies of other slices (the same image under the same or another SOP Instance UID), each image analysed once');
    await expect(text('#study-meta dt:text-is("Slices") + dd')).resolves.toMatch(/^3 × /);
  });
});
