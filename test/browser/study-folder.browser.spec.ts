/**
 * "Or choose a folder" on the study page with a patient CD's folder (generated here: a small DICOM
 * series named like a CD's, IM0001…, beside a DICOMDIR, README.TXT, a viewer .exe and a thumbnail).
 * Sent as it was, the server refused the whole upload at the README (415, "File 1 of 8 … is not a
 * DICOM"); the page now reads each file's first bytes, sends the study files only and lists the
 * others as skipped, as the answer lists a ZIP's side files. The limits (bytes, files) are those
 * of what is sent: here the viewer alone is over the study's byte limit and the folder has more
 * files than a study may.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AUTORUN, noise, sideFiles, writeFolder } from '../support/side-files';
import { dicomSeries, nifti1, syntheticSlice, zip } from '../support/study-fixtures';
import { HAVE_CHROMIUM, useSignedInPage } from './harness';

const describeBrowser = HAVE_CHROMIUM ? describe : describe.skip;
const ADMIN = { email: 'study-folder-admin@example.org', password: 'study-folder-password-1' };
const MAX_BYTES = 1024 * 1024;
const MAX_FILES = 6;

const folder = writeFolder;

/** a .nii as a NIfTI-1 pair (FSL's NIFTI_PAIR): the header with magic "ni1" and vox_offset 0, the .img its voxels; `analyze`: no magic */
function pairOf(nii: Buffer, analyze = false): { hdr: Uint8Array; img: Uint8Array } {
  const hdr = Buffer.from(nii.subarray(0, 348));
  hdr.write(analyze ? '\0\0\0\0' : 'ni1\0', 344, 'latin1');
  hdr.writeFloatLE(0, 108);
  return { hdr: new Uint8Array(hdr), img: new Uint8Array(nii.subarray(352)) };
}

describeBrowser('a radiology CD folder chosen on the study page', () => {
  const h = useSignedInPage({ admin: ADMIN, env: { RATE_LIMIT_ANALYSES_PER_MINUTE: '1000', STUDY_MAX_BYTES: String(MAX_BYTES), STUDY_MAX_SLICES: String(MAX_FILES) } });
  let root: string;
  const sent: string[] = [];

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-cd-folder-'));
    h.page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/studies')) sent.push(r.method());
    });
    await h.page.goto(`${h.base}/studies`);
    await h.page.locator('#study-dropzone').waitFor({ state: 'visible' });
  });

  afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('the series is sent and answered; the DICOMDIR, README, viewer and thumbnail are listed as skipped', async () => {
    const series = dicomSeries(Array.from({ length: 4 }, (_, k) => syntheticSlice(96, 96, (x, y) => ((x + y + k) % 89 === 0 ? 250 : 255))));
    const side = sideFiles();
    const dir = folder(root, 'CD', {
      ...Object.fromEntries(series.map((b, i) => [`DICOM/IM000${i + 1}`, new Uint8Array(b)])), // no extension, as CDs write them
      'DICOM/DICOMDIR': side.DICOMDIR,
      'README.TXT': side['README.TXT'],
      'VIEWER.EXE': new Uint8Array(Buffer.concat([Buffer.from(side['VIEWER.EXE']), noise(MAX_BYTES, 3)])), // over the study's limit on its own
      'thumb.jpg': side['thumb.jpg'],
      '.DS_Store': new Uint8Array(16), // hidden: dropped without being listed, as in a ZIP
    });
    sent.length = 0;
    await h.page.setInputFiles('#study-folder', dir);
    // 9 files, 1 MB + the series: over both limits before the side files were left out
    await h.page.locator('#study-selected', { hasText: 'left out' }).waitFor();
    await expect(h.page.locator('#study-selected').textContent()).resolves.toMatch(/^5 files · .* \(3 other files of the folder left out: not DICOM, NIfTI or ZIP\)$/);
    await expect(h.page.locator('#study-client-error').isHidden()).resolves.toBe(true);
    await h.page.click('#study-submit');
    await h.page.locator('#study-result').waitFor({ state: 'visible' });
    expect(sent).toEqual(['POST']);
    await expect(h.page.locator('#study-badge').textContent()).resolves.toBe('completed');
    await expect(h.page.locator('#study-strip li').count()).resolves.toBe(4);
    // the DICOMDIR was sent and skipped by the server ("file n of 5", named here); the others never left the browser
    const skipped = (await h.page.locator('#study-meta dt:text-is("Skipped files") + dd').textContent()) ?? '';
    expect(skipped).toMatch(/^4 not read \(no image of the series\) — file \d of 5 \(CD\/DICOM\/DICOMDIR\), /);
    for (const name of ['README.TXT', 'VIEWER.EXE', 'thumb.jpg']) expect(skipped).toContain(name);
    expect(skipped).not.toContain('DS_Store');
  });

  it('a folder holding a NIfTI-1 pair (.hdr + .img, no signature on the .img) sends the two, read as one volume', async () => {
    const { hdr, img } = pairOf(nifti1([64, 64, 6], (i, j) => ((i - 32) ** 2 + (j - 32) ** 2 < 400 ? 900 : 60)));
    const dir = folder(root, 'PAIR', { 'T1/sub-01_T1w.hdr': hdr, 'T1/sub-01_T1w.img': img, 'README.TXT': sideFiles()['README.TXT'] });
    sent.length = 0;
    await h.page.setInputFiles('#study-folder', dir);
    await h.page.locator('#study-selected', { hasText: 'left out' }).waitFor();
    await expect(h.page.locator('#study-selected').textContent()).resolves.toMatch(/^2 files · .* \(1 other file of the folder left out: not DICOM, NIfTI or ZIP\)$/);
    await h.page.click('#study-submit');
    await h.page.locator('#study-result').waitFor({ state: 'visible' });
    expect(sent).toEqual(['POST']);
    await expect(h.page.locator('#study-strip li').count()).resolves.toBe(6);
  });

  it('an Analyze 7.5 pair is sent too, and the server names why it is not read', async () => {
    const { hdr, img } = pairOf(nifti1([64, 64, 6], (i, j) => i + j), true);
    const dir = folder(root, 'ANALYZE', { 'scan.HDR': hdr, 'scan.IMG': img });
    await h.page.setInputFiles('#study-folder', dir);
    await h.page.locator('#study-selected', { hasText: '2 files' }).waitFor();
    await h.page.click('#study-submit');
    await h.page.locator('#study-error').waitFor({ state: 'visible' });
    await expect(h.page.locator('#study-error-message').textContent()).resolves.toMatch(/is the header \(\.hdr\) of an Analyze 7\.5 volume/);
  });

  it('a folder with no study file says so, and nothing is sent', async () => {
    const dir = folder(root, 'VIEWER_ONLY', {
      'README.TXT': sideFiles()['README.TXT'],
      'autorun.inf': AUTORUN,
      // ZIP bytes, but a program in the ZIP container: skipped, as inside a ZIP, not sent as an archive of the study
      'viewer.jar': new Uint8Array(zip({ 'META-INF/MANIFEST.MF': new TextEncoder().encode('Manifest-Version: 1.0\n') })),
    });
    sent.length = 0;
    await h.page.setInputFiles('#study-folder', dir);
    await h.page.locator('#study-client-error').waitFor({ state: 'visible' });
    const message = (await h.page.locator('#study-client-error').textContent()) ?? '';
    expect(message).toMatch(/^No DICOM, NIfTI or ZIP file was found in the folder: it holds 3 other files \(.*\)\. Choose the folder that holds the series\.$/);
    for (const name of ['README.TXT', 'autorun.inf', 'viewer.jar']) expect(message).toContain(name);
    await expect(h.page.locator('#study-submit').isDisabled()).resolves.toBe(true);
    await expect(h.page.locator('#study-selected').isHidden()).resolves.toBe(true);
    // a submit all the same (Enter in the form) sends nothing either
    await h.page.evaluate(() => (window.document.getElementById('study-form') as HTMLFormElement).requestSubmit());
    await h.page.evaluate(() => new Promise((r) => window.setTimeout(r, 0)));
    expect(sent).toEqual([]);
    await expect(h.page.locator('#study-empty').isVisible()).resolves.toBe(true);
  });
});
