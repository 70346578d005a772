/**
 * A folder dropped on the study page's drop zone, from disk, as a file manager hands it (the DevTools
 * protocol's drag events: one item, a directory entry). Before, the page sent `DataTransfer.files` as
 * files chosen one by one: a dropped folder is one entry there, not its files, so the page sent the
 * folder itself ("1 file"), or, for a folder's files, the whole upload was refused at its README (415).
 * Now the folder is walked through its entries and sifted as "Or choose a folder" sifts (study-folder.js):
 * the study files are sent, the others listed as skipped. Files dropped one by one are still sent as
 * dropped. All files are generated here.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AUTORUN, sideFiles, writeFolder } from '../support/side-files';
import { dicomSeries, nifti1, syntheticSlice, zip } from '../support/study-fixtures';
import { dropFromDisk, HAVE_CHROMIUM, useSignedInPage } from './harness';

const describeBrowser = HAVE_CHROMIUM ? describe : describe.skip;
const ADMIN = { email: 'study-drop-admin@example.org', password: 'study-drop-password-1' };
/** the page's file limit, which also bounds the entries a dropped folder's walk reads; above Chromium's 100 entries a read */
const MAX_FILES = 120;

const folder = writeFolder;
function series(n: number): Record<string, Uint8Array> {
  const slices = dicomSeries(Array.from({ length: n }, (_, k) => syntheticSlice(96, 96, (x, y) => ((x + y + k) % 89 === 0 ? 250 : 255))));
  return Object.fromEntries(slices.map((b, i) => [`IM000${i + 1}`, new Uint8Array(b)])); // no extension, as CDs write them
}
/** `n` small JPEG-named files beside the series (a viewer's thumbnails): never study files */
function thumbnails(n: number): Record<string, Uint8Array> {
  const jpg = sideFiles()['thumb.jpg'];
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`thumb${String(i).padStart(3, '0')}.jpg`, jpg]));
}

/** a NIfTI-1 pair (FSL's NIFTI_PAIR) of a 64 × 64 × 6 volume: the header with magic "ni1" and vox_offset 0, and the voxels */
function niftiPair(): { hdr: Uint8Array; img: Uint8Array } {
  const nii = nifti1([64, 64, 6], (i, j) => ((i - 32) ** 2 + (j - 32) ** 2 < 400 ? 900 : 60));
  const hdr = Buffer.from(nii.subarray(0, 348));
  hdr.write('ni1\0', 344, 'latin1');
  hdr.writeFloatLE(0, 108);
  return { hdr: new Uint8Array(hdr), img: new Uint8Array(nii.subarray(352)) };
}

describeBrowser('a folder dropped on the study page', () => {
  const h = useSignedInPage({ admin: ADMIN, env: { RATE_LIMIT_ANALYSES_PER_MINUTE: '1000', STUDY_MAX_SLICES: String(MAX_FILES) } });
  let root: string;
  const sent: string[] = [];

  beforeAll(async () => {
    h.page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/studies')) sent.push(r.method());
    });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-drop-folder-'));
  });
  afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });
  beforeEach(async () => {
    sent.length = 0;
    await h.page.goto(`${h.base}/studies`);
    await h.page.locator('#study-dropzone').waitFor({ state: 'visible' });
  });
  const selected = async () => (await h.page.locator('#study-selected').textContent()) ?? '';

  it('a CD folder: the series (in a sub-folder) is sent and answered; the README and the viewer are listed as skipped', async () => {
    const side = sideFiles();
    const dir = folder(root, 'CD', {
      ...Object.fromEntries(Object.entries(series(4)).map(([n, b]) => [`DICOM/${n}`, b])),
      'DICOM/DICOMDIR': side.DICOMDIR,
      'README.TXT': side['README.TXT'],
      'VIEWER.EXE': side['VIEWER.EXE'],
      '.DS_Store': new Uint8Array(16), // hidden: dropped without being listed, as from a chosen folder
    });
    await dropFromDisk(h.page, '#study-dropzone', [dir]);
    await h.page.locator('#study-selected', { hasText: 'left out' }).waitFor();
    expect(await selected()).toMatch(/^5 files · .* \(2 other files of the folder left out: not DICOM, NIfTI or ZIP\)$/);
    await expect(h.page.locator('#study-client-error').isHidden()).resolves.toBe(true);
    await h.page.click('#study-submit');
    await h.page.locator('#study-result').waitFor({ state: 'visible' });
    expect(sent).toEqual(['POST']);
    await expect(h.page.locator('#study-badge').textContent()).resolves.toBe('completed');
    await expect(h.page.locator('#study-strip li').count()).resolves.toBe(4);
    // the DICOMDIR was sent and skipped by the server, named here by its path in the folder; the others never left the browser
    const skipped = (await h.page.locator('#study-meta dt:text-is("Skipped files") + dd').textContent()) ?? '';
    expect(skipped).toMatch(/^3 not read \(no image of the series\) — file \d of 5 \(CD\/DICOM\/DICOMDIR\), /);
    for (const name of ['README.TXT', 'VIEWER.EXE']) expect(skipped).toContain(name);
    expect(skipped).not.toContain('DS_Store');
  });

  it('a NIfTI-1 pair in a sub-folder, the only study data: its .hdr and .img are sent (found by name) and read as one volume', async () => {
    const { hdr, img } = niftiPair();
    const dir = folder(root, 'PAIR', { 'README.TXT': sideFiles()['README.TXT'], 'anat/T1.hdr': hdr, 'anat/T1.img': img });
    await dropFromDisk(h.page, '#study-dropzone', [dir]);
    await h.page.locator('#study-selected', { hasText: 'left out' }).waitFor();
    expect(await selected()).toMatch(/^2 files · .* \(1 other file of the folder left out: not DICOM, NIfTI or ZIP\)$/);
    await h.page.click('#study-submit');
    await h.page.locator('#study-result').waitFor({ state: 'visible' });
    expect(sent).toEqual(['POST']);
    await expect(h.page.locator('#study-strip li').count()).resolves.toBe(6);
  });

  it('a pair beside a DICOM series stays left out: the series is what is sent', async () => {
    const { hdr, img } = niftiPair();
    const dir = folder(root, 'SERIES_AND_PAIR', { ...series(3), 'T1.hdr': hdr, 'T1.img': img });
    await dropFromDisk(h.page, '#study-dropzone', [dir]);
    await h.page.locator('#study-selected', { hasText: 'left out' }).waitFor();
    expect(await selected()).toMatch(/^3 files · .* \(2 other files of the folder left out: not DICOM, NIfTI or ZIP\)$/);
  });

  it('a folder with no study file says so, and nothing is sent', async () => {
    const dir = folder(root, 'VIEWER_ONLY', {
      'README.TXT': sideFiles()['README.TXT'],
      'autorun.inf': AUTORUN,
      // ZIP bytes, but a program: skipped as inside a ZIP; in a sub-folder, which is walked too
      'bin/viewer.jar': new Uint8Array(zip({ 'META-INF/MANIFEST.MF': new TextEncoder().encode('Manifest-Version: 1.0\n') })),
    });
    await dropFromDisk(h.page, '#study-dropzone', [dir]);
    await h.page.locator('#study-client-error').waitFor({ state: 'visible' });
    const message = (await h.page.locator('#study-client-error').textContent()) ?? '';
    expect(message).toMatch(/^No DICOM, NIfTI or ZIP file was found in the folder: it holds 3 other files \(.*\)\. Choose the folder that holds the series\.$/);
    for (const name of ['README.TXT', 'autorun.inf', 'viewer.jar']) expect(message).toContain(name);
    await expect(h.page.locator('#study-submit').isDisabled()).resolves.toBe(true);
    await expect(h.page.locator('#study-selected').isHidden()).resolves.toBe(true);
    await h.page.evaluate(() => (window.document.getElementById('study-form') as HTMLFormElement).requestSubmit());
    await h.page.evaluate(() => new Promise((r) => window.setTimeout(r, 0)));
    expect(sent).toEqual([]);
  });

  it('a folder of more entries than one read gives (Chromium: 100) is read to its end', async () => {
    const dir = folder(root, 'MANY', { ...series(3), ...thumbnails(110) });
    await dropFromDisk(h.page, '#study-dropzone', [dir]);
    await h.page.locator('#study-selected', { hasText: 'left out' }).waitFor();
    expect(await selected()).toMatch(/^3 files · .* \(110 other files of the folder left out: not DICOM, NIfTI or ZIP\)$/);
    await expect(h.page.locator('#study-submit').isEnabled()).resolves.toBe(true);
  });

  it('past the bound (more other entries than the page\'s file limit) the walk stops, says so and sends nothing', async () => {
    const dir = folder(root, 'DISK', { ...thumbnails(MAX_FILES + 5), ...Object.fromEntries(Object.entries(series(3)).map(([n, b]) => [`zz/${n}`, b])) });
    await dropFromDisk(h.page, '#study-dropzone', [dir]);
    await h.page.locator('#study-client-error').waitFor({ state: 'visible' });
    await expect(h.page.locator('#study-client-error').textContent()).resolves.toBe(
      `The dropped folder holds more than ${MAX_FILES} other files and folders beside the study files; not all were read, so nothing is sent. Drop the folder that holds the series, or choose it with "Or choose a folder".`,
    );
    await expect(h.page.locator('#study-submit').isDisabled()).resolves.toBe(true);
    await expect(h.page.locator('#study-selected').isHidden()).resolves.toBe(true);
    expect(sent).toEqual([]);
  });

  it('a dropped folder that cannot be read (its reader fails) says so, and nothing is sent', async () => {
    // Chromium gives no way to make a real folder's reader fail, so this drop carries a folder entry made in the page
    await h.page.evaluate(() => {
      const entry = {
        name: 'CD', fullPath: '/CD', isDirectory: true, isFile: false,
        createReader: () => ({ readEntries: (_ok: unknown, fail: (e: Error) => void) => fail(new Error('NotReadableError')) }),
      };
      const drop = new window.Event('drop', { bubbles: true, cancelable: true });
      Object.defineProperty(drop, 'dataTransfer', { value: { items: [{ kind: 'file', webkitGetAsEntry: () => entry }], files: [] } });
      window.document.getElementById('study-dropzone')!.dispatchEvent(drop);
    });
    await h.page.locator('#study-client-error').waitFor({ state: 'visible' });
    await expect(h.page.locator('#study-client-error').textContent()).resolves.toBe('The dropped folder could not be read: choose it with "Or choose a folder" instead.');
    await expect(h.page.locator('#study-submit').isDisabled()).resolves.toBe(true);
    await expect(h.page.locator('#study-selected').isHidden()).resolves.toBe(true);
    expect(sent).toEqual([]);
  });

  it('files dropped one by one are sent as dropped: a README among them is refused by name', async () => {
    const dir = folder(root, 'LOOSE', { 'README.TXT': sideFiles()['README.TXT'], ...series(2) });
    await dropFromDisk(h.page, '#study-dropzone', ['README.TXT', 'IM0001', 'IM0002'].map((n) => path.join(dir, n)));
    await h.page.locator('#study-selected').waitFor({ state: 'visible' });
    expect(await selected()).toMatch(/^3 files · [^(]*$/); // nothing left out
    await h.page.click('#study-submit');
    await h.page.locator('#study-error').waitFor({ state: 'visible' });
    expect(sent).toEqual(['POST']);
    await expect(h.page.locator('#study-error-code').textContent()).resolves.toBe('UNSUPPORTED_TYPE · HTTP 415');
    await expect(h.page.locator('#study-error-message').textContent()).resolves.toMatch(/^File 1 of 3 \(README\.TXT\) /);
  });
});
