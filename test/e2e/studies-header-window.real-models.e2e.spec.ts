import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type { TestSession } from '../helpers/auth';
import { startRealModelsApp } from '../support/real-models-app';
import { PHANTOM_SLICES, phantomWithWindow } from '../support/head-phantom';
import { dicomSeries } from '../support/study-fixtures';

/**
 * A DICOM header window that flattens the head (found by the fuzz pass: Window Center 2 gave
 * `completed`, "no tumour", where the series is refused) is set aside for the percentile window, through the
 * committed models: the answer is the one the same series gets without a header window, and says
 * why. Generated in code (a textured head phantom), nothing read from ../shared.
 */
// the fuzz pass's phantom series (test/support/head-phantom.ts): with Window Center 2 and Width 4 the
// real models answered `completed` "notumor" at 0.985, the series itself NOT_MRI
const SLICES = PHANTOM_SLICES;

describe('POST /api/v1/studies: a header window that flattens the head (real models)', () => {
  let app: NestExpressApplication;
  let auth: TestSession;
  const post = (files: Buffer[]) => {
    let r = request(app.getHttpServer()).post('/api/v1/studies').set(auth.bearer);
    files.forEach((f, i) => (r = r.attach('files', f, `f${i}`)));
    return r.expect(200).then((res) => res.body);
  };
  // dicomSlice writes modality values = the 8-bit phantom (stored v·4 + 100, slope 0.25, intercept −25)
  const withWindow = phantomWithWindow;

  beforeAll(async () => {
    ({ app, auth } = await startRealModelsApp());
  });
  afterAll(async () => {
    await app?.close();
  });

  it('centre 2 and width 1 are set aside: the answer equals the answer without a header window, and says so', async () => {
    const sensible = await post(dicomSeries(SLICES)); // window 128/256: the phantom as drawn
    expect(sensible.study).toMatchObject({ windowing: 'header', headerWindowIgnored: null });
    const plain = await post(dicomSeries(SLICES, { window: false }));
    expect(plain.study).toMatchObject({ windowing: 'percentile', headerWindowIgnored: null });
    expect([plain.status, plain.label]).toEqual([sensible.status, sensible.label]);
    for (const [center, width] of [['2', '4'], ['128', '1']]) {
      const broken = await post(withWindow(center, width));
      expect(broken.study.windowing).toBe('percentile');
      expect(broken.study.headerWindowIgnored.saturated).toBeGreaterThan(0.9);
      expect(broken.message).toContain("The DICOM header's window was not used");
      // the pixels of the series without a window, so its answer to the probability
      expect([broken.status, broken.label, broken.probabilities]).toEqual([plain.status, plain.label, plain.probabilities]);
      expect([broken.status, broken.code, broken.label]).toEqual([sensible.status, sensible.code, sensible.label]);
    }
  });

  it('a narrower, shifted window (a radiologist\'s) is kept', async () => {
    const narrow = await post(withWindow('140', '160'));
    expect(narrow.study).toMatchObject({ windowing: 'header', headerWindowIgnored: null });
    expect(narrow.message ?? '').not.toContain('window was not used');
  });
});
