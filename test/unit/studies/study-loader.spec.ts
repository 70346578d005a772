import { loadStudy } from '../../../src/studies/study-loader';
import { CorruptStudyError, MixedSeriesError, StudyTooLargeError, TooManySlicesError, UnsupportedStudyFileError, UnsupportedTransferSyntaxError } from '../../../src/studies/study-errors';
import { catchErr, LIMITS, slices } from '../../support/study-loader-cases';
import { dicomSeries, dicomSlice, gzip, MARKER, nifti1, syntheticSlice, zip } from '../../support/study-fixtures';

/** loadStudy on the containers: DICOM files (uncompressed), ZIP archives, NIfTI volumes. Pixel encodings: study-loader-encodings.spec.ts. */
describe('loadStudy: DICOM', () => {
  it('orders slices by position (not upload order) and round-trips rescale + header window exactly', async () => {
    const src = slices(5);
    const files = dicomSeries(src);
    const shuffled = [files[3], files[0], files[4], files[1], files[2]].map((b) => new Uint8Array(b));
    const study = await loadStudy(shuffled, LIMITS);
    expect(study.kind).toBe('slices');
    if (study.kind !== 'slices') return;
    expect(study.meta).toMatchObject({ format: 'dicom', modality: 'MR', sliceCount: 5, width: 64, height: 80, ordering: 'position', windowing: 'header' });
    expect(study.meta.spacing).toEqual({ column: 0.9, row: 0.9, slice: 5 });
    study.slices.forEach((s, k) => {
      expect(s.position).toBe(k * 5);
      expect(Buffer.from(s.image.data).equals(Buffer.from(src[k].data))).toBe(true);
    });
  });

  it('falls back to one robust percentile window for the series when the header has none', async () => {
    const src = [syntheticSlice(64, 64, (x) => x * 4), syntheticSlice(64, 64, (x) => x * 2)];
    const study = await loadStudy(dicomSeries(src, { window: false }).map((b) => new Uint8Array(b)), LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.windowing).toBe('percentile');
    const a = study.slices[0].image.data;
    expect(a[0]).toBe(0);
    expect(a[63]).toBeGreaterThanOrEqual(250);
    // same window for both slices: the darker slice stays darker
    expect(study.slices[1].image.data[63]).toBeLessThan(140);
  });

  it('inverts MONOCHROME1', async () => {
    const src = [syntheticSlice(64, 64, () => 10)];
    const study = await loadStudy([new Uint8Array(dicomSlice(src[0], { photometric: 'MONOCHROME1' }))], LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.slices[0].image.data[0]).toBe(245);
  });

  it('orders by InstanceNumber without geometry', async () => {
    const src = slices(3);
    const files = src.map((s, i) => dicomSlice(s, { geometry: false, instanceNumber: 3 - i }));
    const study = await loadStudy(files.map((b) => new Uint8Array(b)), LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.ordering).toBe('instance_number');
    expect(Buffer.from(study.slices[0].image.data).equals(Buffer.from(src[2].data))).toBe(true);
  });

  it('Modality CT → not_mri before any pixel is decoded, with the modality found', async () => {
    const study = await loadStudy(dicomSeries(slices(2), { modality: 'CT' }).map((b) => new Uint8Array(b)), LIMITS);
    expect(study.kind).toBe('not_mri');
    expect(study.meta.modality).toBe('CT');
  });

  it('CT even with an undecodable transfer syntax is refused as NOT_MRI (modality is checked first)', async () => {
    const b = dicomSlice(slices(1)[0], { modality: 'CT', encapsulatedAs: '1.2.840.10008.1.2.4.90' });
    expect((await loadStudy([new Uint8Array(b)], LIMITS)).kind).toBe('not_mri');
  });

  it('a Modality that is not a defined term is never echoed (it could hold anything)', async () => {
    const study = await loadStudy([new Uint8Array(dicomSlice(slices(1)[0], { modality: `${MARKER}` }))], LIMITS);
    expect(study).toMatchObject({ kind: 'not_mri', meta: { modality: 'OTHER' } });
  });

  it('Body Part Examined naming an unsupported part → unsupported_part before any pixel is decoded', async () => {
    const load = (bodyPart: string, o = {}) =>
      loadStudy(dicomSeries(slices(2), { bodyPart, ...o }).map((b) => new Uint8Array(b)), LIMITS);
    expect(await load('BREAST')).toMatchObject({ kind: 'unsupported_part', bodyPart: 'BREAST', meta: { modality: 'MR' } });
    expect(await load('Abdomen-Pelvis')).toMatchObject({ kind: 'unsupported_part', bodyPart: 'ABDOMENPELVIS' });
    // checked before the transfer syntax, like the modality
    expect((await load('PROSTATE', { encapsulatedAs: '1.2.840.10008.1.2.4.90' })).kind).toBe('unsupported_part');
    // a supported, ambiguous or unknown part leaves the decision to the models; a CT stays NOT_MRI
    for (const bp of ['KNEE', 'LSPINE', 'HEAD', 'CHEST', 'NECK', `${MARKER}`, '']) expect((await load(bp)).kind).toBe('slices');
    expect((await load('BREAST', { modality: 'CT' })).kind).toBe('not_mri');
  });

  it('two series → MixedSeriesError (422)', async () => {
    const a = dicomSlice(slices(1)[0], { seriesUid: '1.2.3.1' });
    const b = dicomSlice(slices(1)[0], { seriesUid: '1.2.3.2', z: 5 });
    const err = await catchErr(() => loadStudy([a, b].map((x) => new Uint8Array(x)), LIMITS));
    expect(err).toBeInstanceOf(MixedSeriesError);
    expect((err as MixedSeriesError).statusCode).toBe(422);
  });

  it('a compressed transfer syntax → 415 UNSUPPORTED_TRANSFER_SYNTAX naming it, not a crash', async () => {
    for (const [uid, name] of [
      ['1.2.840.10008.1.2.4.55', 'JPEG Full Progression (retired)'],
      // the video syntaxes, the only ones YBR_PARTIAL_420 is defined for (PS3.3 A.8.5.4)
      ['1.2.840.10008.1.2.4.100', 'MPEG-2 video'],
      ['1.2.840.10008.1.2.4.102.1', 'MPEG-4 AVC/H.264 video'],
      ['1.2.840.10008.1.2.4.108', 'HEVC/H.265 video'],
      ['1.2.840.10008.1.2.4.99', 'an unsupported transfer syntax'],
    ]) {
      const err = await catchErr(() => loadStudy([new Uint8Array(dicomSlice(slices(1)[0], { encapsulatedAs: uid }))], LIMITS));
      expect(err).toBeInstanceOf(UnsupportedTransferSyntaxError);
      expect((err as UnsupportedTransferSyntaxError).statusCode).toBe(415);
      expect((err as Error).message).toContain(name);
    }
  });

  it('truncated DICOM → 422 naming the file by position only', async () => {
    const b = dicomSlice(slices(1)[0]);
    const err = await catchErr(() => loadStudy([new Uint8Array(b.subarray(0, b.length - 3000))], LIMITS));
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect((err as Error).message).toMatch(/^File 1 of 1/);
    expect((err as Error).message).not.toContain(MARKER);
  });

  it('too many slices → 413 TOO_MANY_SLICES', async () => {
    const err = await catchErr(() => loadStudy(dicomSeries(slices(4)).map((b) => new Uint8Array(b)), { ...LIMITS, maxSlices: 3 }));
    expect(err).toBeInstanceOf(TooManySlicesError);
  });

  it('a JPEG is not a study file (415)', async () => {
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...new Array(400).fill(0)]);
    expect(await catchErr(() => loadStudy([jpeg], LIMITS))).toBeInstanceOf(UnsupportedStudyFileError);
  });

  it('an empty file chosen on its own → 400 EMPTY_FILE naming it, not 415 "not a DICOM" (its type is not the problem)', async () => {
    const alone = await catchErr(() => loadStudy([new Uint8Array(0)], LIMITS));
    expect(alone).toMatchObject({ code: 'EMPTY_FILE', statusCode: 400, message: expect.stringMatching(/^The file is empty \(0 bytes\)/) });
    const series = dicomSeries(slices(2)).map((b) => new Uint8Array(b));
    const among = await catchErr(() => loadStudy([series[0], new Uint8Array(0), series[1]], LIMITS));
    expect(among).toMatchObject({ code: 'EMPTY_FILE', message: expect.stringMatching(/^File 2 of 3 is empty \(0 bytes\)/) });
    // an empty entry inside a ZIP is a side file, skipped like the others
    const z = zip({ IM0: series[0], IM1: series[1], 'empty.dcm': new Uint8Array(0) });
    const study = await loadStudy([new Uint8Array(z)], LIMITS);
    expect(study.kind === 'slices' && study.slices.length).toBe(2);
  });

  it('keeps only a scrubbed series description — never patient identifiers', async () => {
    const files = dicomSeries(slices(2), { seriesDescription: `AX T1 ${MARKER} 20240101123` });
    const study = await loadStudy(files.map((b) => new Uint8Array(b)), LIMITS);
    expect(study.meta.seriesDescription).toBe('AX T1');
    expect(JSON.stringify(study.meta)).not.toContain(MARKER);
  });

  it('cuts the other names of the header (alias, birth name, physicians) and dates written with separators from the description', async () => {
    // were shown as "ROE RICHARD VANCE DOB 1970-01-31 AX T1": tags outside the identifier list, a date with no 5-digit run
    const tags = { OtherPatientNames: 'ROE^RICHARD', PatientMotherBirthName: 'VANCE^ANN', PhysiciansOfRecord: 'HOUSE^GREGORY' };
    const files = dicomSeries(slices(2), { seriesDescription: 'ROE RICHARD VANCE HOUSE DOB 1970-01-31 31.01.1970 AX T1 1.5T', tags });
    const study = await loadStudy(files.map((b) => new Uint8Array(b)), LIMITS);
    expect(study.meta.seriesDescription).toBe('DOB AX T1 1.5T');
  });
});

describe('loadStudy: ZIP', () => {
  it('reads a series from a ZIP, skipping folders and non-image side files', async () => {
    const files = dicomSeries(slices(3));
    const z = zip({ 'series/IM2': files[2], 'series/IM0': files[0], 'series/IM1': files[1], 'series/README.txt': new TextEncoder().encode('hi'), '__MACOSX/._IM0': new Uint8Array(4) });
    const study = await loadStudy([new Uint8Array(z)], LIMITS);
    expect(study.kind === 'slices' && study.slices.length).toBe(3);
    expect(study.meta.skipped).toEqual({ count: 1, names: ['README.txt'] }); // folders and __MACOSX are not counted
  });

  it('a corrupt file inside the ZIP → 422 CORRUPT_IMAGE', async () => {
    const files = dicomSeries(slices(3));
    const bad = Buffer.from(files[1]);
    bad.fill(0x41, 132, 400); // garbage right after the DICM prefix
    const z = zip({ a: files[0], b: bad, c: files[2] });
    const err = await catchErr(() => loadStudy([new Uint8Array(z)], LIMITS));
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect((err as CorruptStudyError).statusCode).toBe(422);
  });

  it('an entry that is neither DICOM nor NIfTI, whatever its name, is skipped and counted (was 422 for the whole study)', async () => {
    const z = zip({ a: dicomSeries(slices(1))[0], junk: new Uint8Array(500).fill(7) });
    const study = await loadStudy([new Uint8Array(z)], LIMITS);
    expect(study.kind === 'slices' && study.slices.length).toBe(1);
    expect(study.meta.skipped).toEqual({ count: 1, names: ['junk'] });
  });

  it('a ZIP bomb is stopped while inflating, at the study limit', async () => {
    const z = zip({ big: new Uint8Array(50 * 1024 * 1024) });
    expect(z.length).toBeLessThan(200 * 1024);
    expect(await catchErr(() => loadStudy([new Uint8Array(z)], { ...LIMITS, maxBytes: 5 * 1024 * 1024 }))).toBeInstanceOf(StudyTooLargeError);
  });

  it('a truncated ZIP → 422', async () => {
    const z = zip({ a: dicomSeries(slices(1))[0] });
    expect(await catchErr(() => loadStudy([new Uint8Array(z.subarray(0, z.length / 2))], LIMITS))).toBeInstanceOf(CorruptStudyError);
  });
});

describe('loadStudy: NIfTI', () => {
  const vox = (i: number, j: number, k: number) => i + 2 * j + 100 * k;

  it('slices along dim_info slice_dim, applies scl_slope/inter, +j points up', async () => {
    const nii = nifti1([64, 70, 6], vox, { sliceDim: 3, slope: 2, inter: 5, pixdim: [1, 1, 4] });
    const study = await loadStudy([new Uint8Array(nii)], LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta).toMatchObject({ format: 'nifti', sliceCount: 6, width: 64, height: 70, ordering: 'nifti_axis', windowing: 'percentile' });
    expect(study.meta.spacing).toEqual({ column: 1, row: 1, slice: 4 });
    const s0 = study.slices[0].image.data;
    // bottom row of the image is j = 0; brightness grows upwards (j) and to the right (i)
    expect(s0[69 * 64 + 63]).toBeGreaterThan(s0[69 * 64]);
    expect(s0[0]).toBeGreaterThan(s0[69 * 64]);
  });

  it('.nii.gz, and the thick-slice axis when dim_info is unset', async () => {
    const nii = nifti1([8, 64, 72], vox, { pixdim: [5, 0.9, 0.9] });
    const study = await loadStudy([new Uint8Array(gzip(nii))], LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.sliceCount).toBe(8);
    expect([study.meta.width, study.meta.height]).toEqual([64, 72]);
  });

  it('two volumes in one upload → MIXED_SERIES', async () => {
    const nii = nifti1([64, 64, 2], vox);
    expect(await catchErr(() => loadStudy([new Uint8Array(nii), new Uint8Array(nii)], LIMITS))).toBeInstanceOf(MixedSeriesError);
  });

  it('truncated NIfTI → 422', async () => {
    const nii = nifti1([64, 64, 4], vox);
    expect(await catchErr(() => loadStudy([new Uint8Array(nii.subarray(0, 1000))], LIMITS))).toBeInstanceOf(CorruptStudyError);
  });

  it('an Analyze 7.5 .hdr + .img (either order), or a NIfTI-1 pair\'s .hdr alone → 415 naming the .hdr, not "not a NIfTI file" (a NIfTI-1 pair is read: nifti-pair.spec.ts)', async () => {
    const nii = nifti1([64, 64, 4], vox);
    const pairHdr = Buffer.from(nii.subarray(0, 348));
    pairHdr.write('ni1\0', 344, 'latin1');
    const analyzeHdr = Buffer.from(pairHdr);
    analyzeHdr.fill(0, 344, 348);
    const img = new Uint8Array(nii.subarray(352));
    for (const [files, which, what] of [
      [[analyzeHdr, img], 'File 1 of 2', 'an Analyze 7\\.5 volume \\(no NIfTI magic.*one \\.nii or \\.nii\\.gz file'],
      [[img, analyzeHdr], 'File 2 of 2', 'an Analyze 7\\.5 volume'],
      [[pairHdr], 'File 1 of 1', "a NIfTI-1 pair, .*the pair is read when its \\.hdr and \\.img are the upload's only two files"],
    ] as [Uint8Array[], string, string][]) {
      const err = await catchErr(() => loadStudy(files.map((f) => new Uint8Array(f)), LIMITS));
      expect(err).toBeInstanceOf(UnsupportedStudyFileError);
      expect((err as Error).message).toMatch(new RegExp(`^${which} is the header \\(\\.hdr\\) of ${what}`));
    }
    // the .img alone is raw voxels: nothing says what it is
    expect(((await catchErr(() => loadStudy([img], LIMITS))) as Error).message).toMatch(/is not a DICOM \(Part 10\), NIfTI/);
  });
});
