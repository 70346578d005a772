/**
 * A series packed as no ZIP: a .tar, a .tar.gz (`tar czf`, what Linux and macOS users reach for),
 * a 7-Zip or RAR archive. Each was told it "is not a DICOM (Part 10), NIfTI (.nii, .nii.gz) or ZIP
 * file. Single JPEG/PNG images go to the image analysis instead" — a .tar.gz even though the
 * service reads gzip — which names neither what the file is nor what to do. The archives are
 * written here (a ustar header per file); nothing is committed.
 */
import { gzipSync } from 'node:zlib';
import { loadStudy } from '../../../src/studies/study-loader';
import { UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import { catchErr, LIMITS, slices } from '../../support/study-loader-cases';
import { dicomSeries, zip } from '../../support/study-fixtures';
import { tar } from '../../support/tar-fixture';

const series = dicomSeries(slices(3));
const files = Object.fromEntries(series.map((f, i) => [`series/IM${i}`, new Uint8Array(f)]));

describe('a series in an archive other than ZIP is refused by name', () => {
  it.each([
    ['a .tar', () => tar(files), /File 1 of 1 is a TAR archive, which is not read/],
    ['a .tar.gz', () => gzipSync(tar(files)), /File 1 of 1 is a TAR archive \(gzip-compressed\), which is not read/],
    ['a 7-Zip archive', () => Buffer.concat([Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]), Buffer.alloc(400, 7)]), /File 1 of 1 is a 7-Zip archive, which is not read/],
    ['a RAR archive', () => Buffer.concat([Buffer.from('Rar!\x1a\x07\x01\x00', 'latin1'), Buffer.alloc(400, 7)]), /File 1 of 1 is a RAR archive, which is not read/],
  ])('%s → 415 naming it and asking for a ZIP, not "not a DICOM… JPEG/PNG go to the image analysis"', async (_, file, message) => {
    const err = await catchErr(() => loadStudy([new Uint8Array(file())], LIMITS));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/ZIP/);
    expect((err as Error).message).not.toMatch(/JPEG\/PNG/);
  });

  it('a .tar.gz under the upload limit that inflates past the study limit → named as TAR, not 413 "too large" (counted after decompression)', async () => {
    // before: StudyTooLargeError once 1 MB had inflated, though its first 512 bytes say TAR
    const limits = { ...LIMITS, maxBytes: 1024 * 1024 };
    const err = await catchErr(() => loadStudy([new Uint8Array(gzipSync(tar({ 'series/IM0': new Uint8Array(3 * 1024 * 1024).fill(7) })))], limits));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect((err as Error).message).toMatch(/File 1 of 1 is a TAR archive \(gzip-compressed\), which is not read/);
  });

  it('a ZIP of the series still reads; a .tar beside it in the ZIP stays a skipped side file', async () => {
    const study = await loadStudy([new Uint8Array(zip({ ...files, 'backup.tar': tar({ a: new Uint8Array(10) }) }))], LIMITS);
    expect(study.kind === 'slices' && study.slices.length).toBe(3);
    expect(study.meta.skipped).toEqual({ count: 1, names: ['backup.tar'] });
  });
});
