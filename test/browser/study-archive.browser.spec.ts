/**
 * A TAR, .tar.gz, 7-Zip or RAR chosen on the study page. The server names such a file (415, "… is a
 * TAR archive …, which is not read: put the series' files in a ZIP archive instead …") even over the
 * study limit (upload-sniff.ts), but the page blocked any choice over the limit with only "The study
 * is larger than X" before sending: the user packed a smaller .tar.gz and was refused again, for
 * being TAR. The page now reads each chosen file's first bytes and says the server's words before
 * sending, whatever the size; the size message stays for everything else.
 */
import * as zlib from 'node:zlib';
import { archiveAlsoOverLimit, otherArchiveRefused } from '../../src/studies/study-errors';
import { noise } from '../support/side-files';
import { tar } from '../support/tar-fixture';
import { HAVE_CHROMIUM, useSignedInPage } from './harness';

const describeBrowser = HAVE_CHROMIUM ? describe : describe.skip;
const ADMIN = { email: 'study-archive-admin@example.org', password: 'study-archive-password-1' };
const MAX_BYTES = 64 * 1024;

/** the server's sentence after where the file is named, e.g. " is a TAR archive, which is not read: put the series' files in a ZIP…" */
const serverWords = (what: string): string => otherArchiveRefused('\u0000', what).message.split('\u0000')[1];

describeBrowser('an archive the service does not read, chosen on the study page', () => {
  const h = useSignedInPage({ admin: ADMIN, env: { RATE_LIMIT_ANALYSES_PER_MINUTE: '1000', STUDY_MAX_BYTES: String(MAX_BYTES) } });
  const sent: string[] = [];
  // incompressible, so that the .tar.gz itself is over the limit, as a real series' is
  const bigTar = tar({ 'SERIES/IM0001': new Uint8Array(noise(MAX_BYTES + 16 * 1024, 7)) });
  const bigTarGz = zlib.gzipSync(bigTar);

  beforeAll(async () => {
    h.page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/studies')) sent.push(r.method());
    });
    await h.page.goto(`${h.base}/studies`);
    await h.page.locator('#study-dropzone').waitFor({ state: 'visible' });
  });

  async function choose(name: string, buffer: Buffer): Promise<string> {
    await h.page.setInputFiles('#study-files', { name, mimeType: 'application/octet-stream', buffer });
    await h.page.locator('#study-client-error').waitFor({ state: 'visible' });
    return (await h.page.locator('#study-client-error').textContent()) ?? '';
  }

  it('a .tar.gz over the study limit is named as TAR, not read, with the ZIP to make instead (not "larger than")', async () => {
    expect(bigTarGz.length).toBeGreaterThan(MAX_BYTES);
    sent.length = 0;
    const message = await choose('series.tar.gz', bigTarGz);
    // the server's words for this upload (upload-sniff.ts), the file named as only this browser may
    expect(message).toBe(`The file “series.tar.gz”${serverWords('TAR archive (gzip-compressed)')}${archiveAlsoOverLimit(MAX_BYTES)}`);
    expect(message).toContain("It is also larger than the study's 64 KB limit");
    await expect(h.page.locator('#study-submit').isDisabled()).resolves.toBe(true);
    await expect(h.page.locator('#study-files').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(sent).toEqual([]);
  });

  it('by its bytes, not its name: a gzip-compressed TAR named .gz, a TAR with no extension, a 7-Zip and a RAR', async () => {
    await expect(choose('series.gz', bigTarGz)).resolves.toMatch(/^The file “series\.gz” is a TAR archive \(gzip-compressed\), which is not read: /);
    const small = tar({ IM0001: new Uint8Array(noise(2000, 3)) });
    await expect(choose('IM0001', small)).resolves.toBe(`The file “IM0001”${serverWords('TAR archive')}`);
    const sevenZip = Buffer.concat([Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]), noise(600, 5)]);
    await expect(choose('series.dcm', sevenZip)).resolves.toBe(`The file “series.dcm”${serverWords('7-Zip archive')}`);
    const rar = Buffer.concat([Buffer.from('Rar!\x1a\x07\x01\x00', 'latin1'), noise(600, 9)]);
    await expect(choose('series', rar)).resolves.toBe(`The file “series”${serverWords('RAR archive')}`);
    await expect(h.page.locator('#study-submit').isDisabled()).resolves.toBe(true);
    expect(sent).toEqual([]);
  });

  it('anything else over the limit keeps the size message; a file named .tar.gz that holds no TAR is not called one', async () => {
    const label = await h.page.locator('#study-form').getAttribute('data-max-label');
    await expect(choose('big.dcm', noise(MAX_BYTES + 1, 11))).resolves.toBe(`The study is larger than ${label}.`);
    await expect(choose('named.tar.gz', noise(MAX_BYTES + 1, 13))).resolves.toBe(`The study is larger than ${label}.`);
    await expect(choose('plain.tar.gz', zlib.gzipSync(noise(MAX_BYTES + 1, 17)))).resolves.toBe(`The study is larger than ${label}.`);
  });

  it('a next choice that is no archive and under the limit clears the refusal and may be sent', async () => {
    await choose('IM0001', tar({ IM0001: new Uint8Array(8) }));
    await h.page.setInputFiles('#study-files', { name: 'IM0002.dcm', mimeType: 'application/dicom', buffer: noise(4000, 19) });
    await h.page.locator('#study-submit:enabled').waitFor();
    await expect(h.page.locator('#study-client-error').isHidden()).resolves.toBe(true);
    await expect(h.page.locator('#study-files').getAttribute('aria-invalid')).resolves.toBeNull();
  });
});
