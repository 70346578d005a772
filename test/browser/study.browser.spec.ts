/**
 * Issue 6 — the study mode in a real browser (Debian chromium via playwright-core): sign in,
 * pick the files of a DICOM series, read the study answer, the thumbnail strip with each slice's
 * decision, the heat maps of the decisive slices and the timings; a CT series is refused with
 * its modality. Fake models (bright slices ⇒ brain, glioma): the page, not the models, is under test.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { countBodyReads, HAVE_CHROMIUM, SHOTS, useSignedInPage } from './harness';
import { ORIENTATION_WORDS } from '../../src/explainability/heatmap-text';
import { sideFiles } from '../support/side-files';
import { dicomSeries, MARKER, newUid, part10, syntheticSlice, zip } from '../support/study-fixtures';

const describeBrowser = HAVE_CHROMIUM ? describe : describe.skip;
const ADMIN = { email: 'study-admin@example.org', password: 'study-browser-password-1' };

describeBrowser('the study mode in headless Chromium', () => {
  const h = useSignedInPage({ admin: ADMIN, env: { RATE_LIMIT_ANALYSES_PER_MINUTE: '1000', STUDY_AGREEMENT: '0.65', STUDY_MIN_USABLE_SLICES: '4' }, signIn: false });
  const series = dicomSeries(Array.from({ length: 6 }, (_, k) => syntheticSlice(128, 128, (x, y) => ((x + y + k) % 97 === 0 ? 250 : 255))));

  it('signs in and opens the study mode', async () => {
    await h.page.goto(`${h.base}/studies`);
    if (new URL(h.page.url()).pathname === '/login') {
      await h.page.fill('input[name="email"]', ADMIN.email);
      await h.page.fill('input[name="password"]', ADMIN.password);
      await Promise.all([h.page.waitForURL(`${h.base}/studies`), h.page.click('button[type="submit"]')]);
    }
    await h.page.locator('#study-dropzone').waitFor({ state: 'visible' });
    await expect(h.page.locator('h1').first().textContent()).resolves.toContain('Analyse a study');
  });

  it('a DICOM series → the study answer, one thumbnail per slice with its decision, heat maps, timings', async () => {
    await h.page.setInputFiles('#study-files', series.map((b, i) => ({ name: `${MARKER}-${i}.dcm`, mimeType: 'application/dicom', buffer: b })));
    await expect(h.page.locator('#study-selected').textContent()).resolves.toContain('6 files');
    const [req] = await Promise.all([h.page.waitForRequest((r) => r.url().endsWith('/api/v1/studies')), h.page.click('#study-submit')]);
    const sent = req.postDataBuffer();
    if (sent) expect(sent.includes(Buffer.from(MARKER))).toBe(false); // file names are not sent
    await h.page.locator('#study-result').waitFor({ state: 'visible' });
    await expect(h.page.locator('#study-badge').textContent()).resolves.toBe('completed');
    await expect(h.page.locator('#study-label').textContent()).resolves.toBe('Glioma'); // the image page's headline
    // docs/model-contract.md: the answered label's caveat stands beside the answer on the study page too
    await expect(h.page.locator('#study-caveat').textContent()).resolves.toMatch(/^Fake caveat: .*glioma/); // the fake card's label_caveats.glioma
    await expect(h.page.locator('#study-caveat').isVisible()).resolves.toBe(true);
    await expect(h.page.locator('#study-strip li').count()).resolves.toBe(6);
    await expect(h.page.locator('#study-strip li.completed img').count()).resolves.toBe(6);
    expect(await h.page.locator('#study-heatmaps img').count()).toBeGreaterThan(0);
    // the heat maps' colours explained, as under the image page's heat map (they had no legend)
    await expect(h.page.locator('#study-heatmaps-block .legend').isVisible()).resolves.toBe(true);
    await expect(h.page.locator('#study-heatmaps-block .legend').textContent()).resolves.toMatch(/Less\s*More influence on the answer/);
    // what the maps are: the method, and what they are not (heatmap-text.browser.spec.ts for the image page)
    await expect(h.page.locator('#study-heatmaps-block .heatmap-note').isVisible()).resolves.toBe(true);
    await expect(h.page.locator('#study-heatmaps-block .heatmap-note').textContent()).resolves.toMatch(/class activation map \(CAM.*not a segmentation.*not for clinical use/i);
    // which way round the maps are shown: the axial series (ImageOrientationPatient 1\0\0\0\1\0), radiologically
    await expect(h.page.locator('#study-orientation').textContent()).resolves.toBe(ORIENTATION_WORDS.axial);
    expect(ORIENTATION_WORDS.axial).toMatch(/radiological.*patient’s right.*image’s left/);
    await expect(h.page.locator('#study-meta').textContent()).resolves.toMatch(/total \d/);
    // the study rule it was decided under, as its record stores it (the history page's "Study rule")
    await expect(h.page.locator('#study-meta').textContent()).resolves.toContain(
      'Study rule65.0 % of the slices must agree; at least 4 usable slices (and a quarter of the study; all of them if it has fewer); a finding rests on two slices at most 2 apart in series order, counting any slices missing between them',
    );
    await h.page.locator('#study-strip li .slice-btn').nth(2).click();
    await expect(h.page.locator('#slice-detail-title').textContent()).resolves.toContain('Slice 3');
    await expect(h.page.locator('#slice-detail-probs li').count()).resolves.toBe(4);
    await h.page.screenshot({ path: path.join(SHOTS, 'study-completed-1280.png'), fullPage: true });
    await h.page.setViewportSize({ width: 390, height: 844 });
    const wide = await h.page.evaluate(() =>
      Array.from(document.querySelectorAll('body *'))
        .filter((e) => !e.closest('.slice-strip') && e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right > window.innerWidth + 1)
        .map((e) => e.tagName + (e.id ? '#' + e.id : '')),
    );
    await h.page.screenshot({ path: path.join(SHOTS, 'study-completed-390.png'), fullPage: true });
    await h.page.setViewportSize({ width: 1280, height: 800 });
    expect(wide).toEqual([]); // the strip scrolls on its own; nothing else overflows on a phone
    expect((await h.page.content()).toUpperCase()).not.toContain(MARKER);
  });

  it('an inconclusive study\'s map of a finding one slice shows alone says it is that slice\'s, unconfirmed', async () => {
    // the fakes answer glioma on every bright slice: the server's answer is turned into the case of a
    // study that withholds "no tumour" over one confident slice (study-aggregate.ts, unconfirmed)
    await h.page.route('**/api/v1/studies', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { explanation: { slices: { label: string }[] } };
      const json = { ...body, status: 'inconclusive', code: 'SLICE_DISAGREEMENT', label: null, message: 'Unable to determine: slice 6 alone suggests glioma (90.0 %), but the other slices do not confirm it. Look at the highlighted slice.' };
      await route.fulfill({ response: res, json });
    });
    try {
      await h.page.setInputFiles('#study-files', series.map((b, i) => ({ name: `u-${i}.dcm`, mimeType: 'application/dicom', buffer: b })));
      await h.page.click('#study-submit');
      await h.page.locator('#study-badge', { hasText: 'inconclusive' }).waitFor();
      const caption = (await h.page.locator('#study-heatmaps figcaption').first().textContent()) ?? '';
      expect(caption).toMatch(/^Slice \d+ · Glioma — this slice alone, not confirmed by the study$/);
    } finally {
      await h.page.unroute('**/api/v1/studies');
    }
  });

  it('a slice map where no region stands out (focus none): the slice with the words "No region stands out", never called a heat map', async () => {
    // the fakes' maps are turned into maps with no region standing out (camFocus 'none': the server
    // then draws the slice without an overlay), as heatmap-text.browser.spec.ts does for an image
    await h.page.route('**/api/v1/studies', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { explanation: { focus: string; slices: { focus: string }[] } | null };
      if (body.explanation) {
        body.explanation.focus = 'none';
        for (const m of body.explanation.slices) m.focus = 'none';
      }
      await route.fulfill({ response: res, json: body });
    });
    try {
      await h.page.setInputFiles('#study-files', series.map((b, i) => ({ name: `f-${i}.dcm`, mimeType: 'application/dicom', buffer: b })));
      await h.page.click('#study-submit');
      await h.page.locator('#study-heatmaps .no-focus-note').first().waitFor({ state: 'visible' });
      const figures = h.page.locator('#study-heatmaps figure');
      const n = await figures.count();
      expect(n).toBeGreaterThan(0);
      for (let i = 0; i < n; i++) {
        const fig = figures.nth(i);
        await expect(fig.locator('.no-focus-note').textContent()).resolves.toMatch(/^No region stands out for this answer: .*no heat map is drawn over the image\.$/);
        await expect(fig.locator('figcaption').textContent()).resolves.toMatch(/^Slice \d+ · Glioma$/);
        await expect(fig.locator('img').getAttribute('alt')).resolves.toMatch(/^Slice \d+, no heat map drawn$/);
      }
      // no colour scale over maps none of which is drawn
      await expect(h.page.locator('#study-heatmaps-block .legend').isVisible()).resolves.toBe(false);
    } finally {
      await h.page.unroute('**/api/v1/studies');
    }
  });

  it('a ZIP with a patient CD\'s side files and the study\'s report → the series analysed, the side files listed as skipped', async () => {
    const entries = Object.fromEntries(series.slice(0, 3).map((b, i) => [`${MARKER}/IM${i}`, new Uint8Array(b)]));
    // a structured report is a DICOM file too: it was a 422 "without image pixel data" for the whole upload
    const report = part10({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.22', SOPInstanceUID: newUid(), Modality: 'SR', PatientName: `${MARKER}^JANE` }, '1.2.840.10008.1.2.1');
    await h.page.setInputFiles('#study-files', [{ name: 'cd.zip', mimeType: 'application/zip', buffer: zip({ SR1: new Uint8Array(report), ...sideFiles(), ...entries }) }]);
    await h.page.click('#study-submit');
    await h.page.locator('#study-badge', { hasText: 'completed' }).waitFor();
    // "not DICOM or NIfTI" was untrue of the DICOMDIR and of a report: they are DICOM files without an image
    await expect(h.page.locator('#study-meta').textContent()).resolves.toContain('Skipped files5 not read (no image of the series) — SR1, DICOMDIR, README.TXT, VIEWER.EXE, thumb.jpg');
    expect((await h.page.content()).toUpperCase()).not.toContain(MARKER);
  });

  it('a CT series → refused with the modality found, before any model', async () => {
    const ct = dicomSeries(Array.from({ length: 2 }, () => syntheticSlice(64, 64, () => 200)), { modality: 'CT' });
    await h.page.setInputFiles('#study-files', ct.map((b, i) => ({ name: `ct${i}.dcm`, mimeType: 'application/dicom', buffer: b })));
    await h.page.click('#study-submit');
    await h.page.locator('#study-badge', { hasText: 'rejected' }).waitFor();
    await expect(h.page.locator('#study-message').textContent()).resolves.toContain('CT');
    await expect(h.page.locator('#study-meta').textContent()).resolves.toContain('Study rule— (no slice was analysed)');
    await expect(h.page.locator('#study-caveat').isHidden()).resolves.toBe(true); // no answer, nothing to qualify
  });

  it('the user may see their own file header — read in the browser, never sent', async () => {
    const requests: string[] = [];
    const onRequest = (r: { url: () => string }) => requests.push(r.url());
    h.page.on('request', onRequest);
    await h.page.setInputFiles('#study-files', series.slice(0, 2).map((b, i) => ({ name: `h${i}.dcm`, mimeType: 'application/dicom', buffer: b })));
    await h.page.click('#study-header-btn');
    await h.page.locator('#study-header').waitFor({ state: 'visible' });
    const text = (await h.page.locator('#study-header-rows').textContent()) ?? '';
    expect(text).toContain('Patient Name');
    expect(text).toContain(MARKER); // the user's own value, shown only on request, only here
    expect(text).toContain('AX T1 POST');
    h.page.off('request', onRequest);
    expect(requests).toEqual([]);
  });

  it('files chosen while a study is analysed: the earlier answer is dropped, never shown as the new files\' result', async () => {
    const reads = await countBodyReads(h.page, 'json');
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let sent = 0;
    await h.page.route('**/api/v1/studies', async (route) => {
      if (++sent === 1) await held; // the first study's request waits until the second has its answer
      await route.continue();
    });
    const files = (n: number, tag: string) => series.slice(0, n).map((b, i) => ({ name: `${tag}${i}.dcm`, mimeType: 'application/dicom', buffer: b }));
    await h.page.setInputFiles('#study-files', files(5, 'a'));
    await h.page.click('#study-submit');
    await h.page.locator('#study-loading').waitFor({ state: 'visible' });
    await h.page.setInputFiles('#study-files', files(3, 'b'));
    // nothing about the earlier files stands beside the new selection
    await expect(h.page.locator('#study-loading').isHidden()).resolves.toBe(true);
    await expect(h.page.locator('#study-result').isHidden()).resolves.toBe(true);
    await h.page.click('#study-submit');
    await h.page.locator('#study-badge', { hasText: 'completed' }).waitFor();
    await expect(h.page.locator('#study-strip li').count()).resolves.toBe(3);
    const late = h.page.waitForResponse((r) => r.url().endsWith('/api/v1/studies'));
    release();
    await (await late).finished();
    await reads.readsAtLeast(2);
    await h.page.evaluate(() => new Promise((r) => window.setTimeout(r, 0)));
    await h.page.unroute('**/api/v1/studies');
    // still the 3-file study the user sent last, not the 5-file one that answered after it
    await expect(h.page.locator('#study-strip li').count()).resolves.toBe(3);
    await expect(h.page.locator('#study-meta').textContent()).resolves.toContain('Slices3 ×');
  });

  it('a non-study file → the error message', async () => {
    await h.page.setInputFiles('#study-files', [{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello '.repeat(100)) }]);
    await h.page.click('#study-submit');
    await h.page.locator('#study-error').waitFor({ state: 'visible' });
    await expect(h.page.locator('#study-error-code').textContent()).resolves.toContain('UNSUPPORTED_TYPE');
  });

  it('the server names files by position only; the page adds their names, which never leave the browser', async () => {
    // a patient CD's folder chosen whole: "File 3 of 4 is not a DICOM…" left the user to count
    const dicom = series.slice(0, 3).map((b, i) => ({ name: `IM${i}`, mimeType: 'application/dicom', buffer: b }));
    const readme = { name: 'README.TXT', mimeType: 'text/plain', buffer: Buffer.from('Start VIEWER.EXE\r\n'.repeat(20)) };
    const [req] = await Promise.all([h.page.waitForRequest((r) => r.url().endsWith('/api/v1/studies')), h.page.setInputFiles('#study-files', [dicom[0], dicom[1], readme, dicom[2]]).then(() => h.page.click('#study-submit'))]);
    await h.page.locator('#study-error').waitFor({ state: 'visible' });
    await expect(h.page.locator('#study-error-message').textContent()).resolves.toMatch(/^File 3 of 4 \(README\.TXT\) is not a DICOM/);
    const body = req.postDataBuffer(); // absent when Chromium streams the files (as in the series test above)
    if (body) expect(body.toString('latin1')).not.toContain('README.TXT');
    // a skipped object among files chosen one by one: "file 2 of 4" named too
    const report = part10({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.22', SOPInstanceUID: newUid(), Modality: 'SR' }, '1.2.840.10008.1.2.1');
    await h.page.setInputFiles('#study-files', [dicom[0], { name: 'SR0001.dcm', mimeType: 'application/dicom', buffer: report }, dicom[1], dicom[2]]);
    await h.page.click('#study-submit');
    await h.page.locator('#study-badge', { hasText: 'completed' }).waitFor();
    await expect(h.page.locator('#study-meta').textContent()).resolves.toContain('Skipped files1 not read (no image of the series) — file 2 of 4 (SR0001.dcm)');
  });
});
