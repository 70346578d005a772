/**
 * A .tar.gz (or .tar, .7z, .rar) larger than the study limit was refused 413 "The study exceeds
 * the … limit" while it streamed in, before anything had looked at it; its owner packed a smaller
 * one only to be told then that TAR is not read. The kind is now read from the first bytes that
 * arrive (a gzip's first block inflated to see the ustar header), so the refusal at the limit
 * names the archive and asks for a ZIP. The archives are written here; nothing is committed.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { memoryStudyStorage } from '../../../src/studies/memory-study-storage';
import { fakeRequest, upload } from '../../support/study-requests';
import { tar } from '../../support/tar-fixture';

const LIMIT = 50_000;
/** incompressible content, so the gzip too passes the limit */
const big = () => tar({ 'series/IM0': randomBytes(30_000), 'series/IM1': randomBytes(30_000) });

describe('an archive the service does not read, larger than the study limit', () => {
  it.each([
    ['a .tar.gz', () => gzipSync(big()), /^File 1 of the upload is a TAR archive \(gzip-compressed\), which is not read: put the series' files in a ZIP archive/],
    ['a .tar', () => big(), /^File 1 of the upload is a TAR archive, which is not read/],
    ['a 7-Zip archive', () => Buffer.concat([Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]), randomBytes(60_000)]), /^File 1 of the upload is a 7-Zip archive/],
    ['a RAR archive', () => Buffer.concat([Buffer.from('Rar!\x1a\x07\x01\x00', 'latin1'), randomBytes(60_000)]), /^File 1 of the upload is a RAR archive/],
  ])('%s → 415 naming it and asking for a ZIP (not 413 "too large" alone)', async (_, file, message) => {
    const storage = memoryStudyStorage(LIMIT, 10);
    const err = await upload(storage, fakeRequest().req, file()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNSUPPORTED_TYPE', statusCode: 415 });
    expect((err as Error).message).toMatch(message);
    // and the limit is said too, since a ZIP of the same files must also fit it
    expect((err as Error).message).toMatch(/larger than the study's 49 KB limit/);
  });

  it('named when it is a later file that passes the limit, or an earlier one that was an archive', async () => {
    const storage = memoryStudyStorage(LIMIT, 10);
    const a = fakeRequest();
    await upload(storage, a.req, 10_000); // a first file, not an archive
    const err = await upload(storage, a.req, gzipSync(big())).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^File 2 of the upload is a TAR archive \(gzip-compressed\)/);
    const b = fakeRequest();
    await upload(storage, b.req, gzipSync(tar({ a: randomBytes(20_000) })));
    const later = await upload(storage, b.req, 40_000).catch((e: unknown) => e);
    expect((later as Error).message).toMatch(/^File 1 of the upload is a TAR archive \(gzip-compressed\)/);
  });

  it('anything else over the limit is still 413 FILE_TOO_LARGE (a plain gzip, a DICOM, zeros)', async () => {
    for (const bytes of [gzipSync(randomBytes(60_000)), Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), randomBytes(60_000)]), Buffer.alloc(60_000)]) {
      const err = await upload(memoryStudyStorage(LIMIT, 10), fakeRequest().req, bytes).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'FILE_TOO_LARGE', statusCode: 413 });
    }
  });
});
