/**
 * How the files of an upload become one DICOM series (review B): pixel format checked from every
 * header before any decode, duplicates, several images at one position, series without UIDs,
 * localizers, orientation tolerance, float pixel data, the ordering reported.
 */
import * as imageDecoder from '../../../src/inference/image-decoder';
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { recordGaps } from '../../../src/studies/gap-record';
import { CorruptStudyError, MixedSeriesError, UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import { dicomEnhanced } from '../../support/enhanced-dicom-fixtures';
import { dicomJpegSlice } from '../../support/jpeg-dicom-fixtures';
import { dicomSeries, dicomSlice, GreySlice, MARKER, syntheticSlice } from '../../support/study-fixtures';

const LIMITS: StudyLimits = { maxBytes: 100 * 1024 * 1024, maxSlices: 400, minSide: 16, maxPixels: 40_000_000 };
const slice = (k: number, side = 32) => syntheticSlice(side, side, (x, y) => (x * 3 + y + k * 10) % 256);
const u8 = (bs: Buffer[]) => bs.map((b) => new Uint8Array(b));

async function errorOf(p: Promise<unknown>): Promise<{ code?: string; statusCode?: number; message: string } & Error> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof Error)) throw new Error('expected a refusal');
  return e as { code?: string; statusCode?: number } & Error;
}

afterEach(() => jest.restoreAllMocks());

describe('pixel format from the header, for every instance, before any decode', () => {
  it('SamplesPerPixel 0 on a JPEG Baseline frame → 422 CORRUPT_IMAGE, nothing decoded (with or without a window)', async () => {
    const decode = jest.spyOn(imageDecoder, 'decodeImage');
    for (const window of [true, false]) {
      const b = await dicomJpegSlice(slice(0), { samplesPerPixel: 0, window });
      const err = await errorOf(loadStudy([new Uint8Array(b)], LIMITS));
      expect(err).toBeInstanceOf(CorruptStudyError);
      expect(err).toMatchObject({ code: 'CORRUPT_IMAGE', statusCode: 422 });
      expect(err.message).toMatch(/samples per pixel/i);
    }
    expect(decode).not.toHaveBeenCalled();
  });

  it('SamplesPerPixel 0 cannot slip past the decoded-size budget (a large JPEG series is refused, not decoded)', async () => {
    const decode = jest.spyOn(imageDecoder, 'decodeImage');
    const big = syntheticSlice(512, 512, () => 90);
    const files = await Promise.all([0, 1, 2].map((k) => dicomJpegSlice(big, { samplesPerPixel: 0, z: k * 5, instanceNumber: k + 1 })));
    const err = await errorOf(loadStudy(u8(files), { ...LIMITS, maxBytes: 400_000 }));
    expect(err.statusCode).toBeGreaterThanOrEqual(400);
    expect(err.statusCode).toBeLessThan(500);
    expect(decode).not.toHaveBeenCalled();
  });

  it('SamplesPerPixel 2, and 3 with a MONOCHROME interpretation, → 422', async () => {
    for (const o of [{ samplesPerPixel: 2 }, { samplesPerPixel: 3 }]) {
      const err = await errorOf(loadStudy([new Uint8Array(dicomSlice(slice(0), o))], LIMITS));
      expect(err).toMatchObject({ code: 'CORRUPT_IMAGE', statusCode: 422 });
    }
  });

  it('a bad instance after good ones is refused before the first frame is decoded', async () => {
    const decode = jest.spyOn(imageDecoder, 'decodeImage');
    const files = await Promise.all([0, 1, 2].map((k) => dicomJpegSlice(slice(k), { z: k * 5, instanceNumber: k + 1, samplesPerPixel: k === 2 ? 0 : 1 })));
    const err = await errorOf(loadStudy(u8(files), LIMITS));
    expect(err).toMatchObject({ code: 'CORRUPT_IMAGE', statusCode: 422 });
    expect(err.message).toMatch(/^File 3 of 3/);
    expect(decode).not.toHaveBeenCalled();
  });

  it('a JPEG with one component in a file declaring colour (YBR_FULL_422, 3 samples) and no window → 422, not a 500', async () => {
    // whether the decoder hands a grey JPEG back with 1 or 3 channels depends on the libvips build: pinned to 1 here
    jest.spyOn(imageDecoder, 'decodeImage').mockResolvedValue({ format: 'jpeg', width: 32, height: 32, channels: 1, data: slice(0).data });
    const b = await dicomJpegSlice(slice(0), { samplesPerPixel: 3, photometric: 'YBR_FULL_422', window: false });
    const err = await errorOf(loadStudy([new Uint8Array(b)], LIMITS));
    expect(err).toMatchObject({ code: 'CORRUPT_IMAGE', statusCode: 422 });
  });

  it('valid but unsupported encodings → 415 UNSUPPORTED_TYPE: YBR_PARTIAL_420 native, 16-bit YBR, Float Pixel Data (palettes, YBR and 16-bit RGB: dicom-colour*.spec.ts)', async () => {
    const cases: [string, Buffer][] = [
      ['YBR_PARTIAL_420', dicomSlice(slice(0), { samplesPerPixel: 3, photometric: 'YBR_PARTIAL_420', bitsAllocated: 8 })],
      ['16-bit YBR_FULL', dicomSlice(slice(0), { samplesPerPixel: 3, photometric: 'YBR_FULL' })],
      ['Float Pixel Data', dicomSlice(slice(0), { floatPixelData: true })],
    ];
    for (const [what, b] of cases) {
      const err = await errorOf(loadStudy([new Uint8Array(b)], LIMITS));
      expect(err).toBeInstanceOf(UnsupportedStudyFileError);
      expect(err).toMatchObject({ code: 'UNSUPPORTED_TYPE', statusCode: 415 });
      expect(err.message).toContain(what);
    }
  });
});

describe('one image per slice position', () => {
  it('the same file uploaded twice counts once', async () => {
    const files = dicomSeries([slice(0), slice(1), slice(2)]);
    const study = await loadStudy(u8([...files, files[1]]), LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.sliceCount).toBe(3);
    expect(study.slices.map((s) => s.position)).toEqual([0, 5, 10]);
  });

  it('a copy whose position was written to fewer decimals counts once: one image never stands for two neighbouring slices', async () => {
    // the same instance (UID, pixels) with ImagePositionPatient rounded to 2 decimals lay 3 µm from the original: kept as
    // slices 3 and 4, one image that "confirmed" a finding on itself as a neighbouring pair
    const exact = (k: number) => [-115.123456, -115.123456, 5 * k + 0.123456];
    const uid = (k: number) => `1.2.826.0.1.3680043.8.498.78.${k}`;
    const files = [0, 1, 2, 3, 4].map((k) => dicomSlice(slice(k), { position: exact(k), instanceNumber: k + 1, sopInstanceUid: uid(k) }));
    const rounded = dicomSlice(slice(2), { position: exact(2).map((v) => Math.round(v * 100) / 100), instanceNumber: 3, sopInstanceUid: uid(2) });
    const study = await loadStudy(u8([...files, rounded]), LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.sliceCount).toBe(5);
    expect(study.slices.map((s) => s.position)).toEqual([0.123, 5.123, 10.123, 15.123, 20.123]);
    // …and such a copy with other pixel data is named as a copy, as one at the very same position is
    const edited = dicomSlice(slice(7), { position: exact(2).map((v) => Math.round(v * 100) / 100), instanceNumber: 3, sopInstanceUid: uid(2) });
    expect((await errorOf(loadStudy(u8([...files, edited]), LIMITS))).message).toMatch(/^File 3 of 6 and file 6 of 6 are the same image/);
  });

  it('two files with their own SOP Instance UIDs but the same pixels at one position (a re-export) count once, not "several different images"', async () => {
    // e.g. a series exported twice, each export given new UIDs: before, refused as "several different images at one
    // slice position… upload one echo", where the two images are one
    const files = [0, 1, 2].map((k) => dicomSlice(slice(k), { z: 5 * k, instanceNumber: k + 1 }));
    for (const instanceNumber of [2, 7]) {
      const again = dicomSlice(slice(1), { z: 5, instanceNumber });
      const study = await loadStudy(u8([...files, again]), LIMITS);
      if (study.kind !== 'slices') throw new Error('expected slices');
      expect(study.meta.sliceCount).toBe(3);
      expect(study.slices.map((s) => s.position)).toEqual([0, 5, 10]);
    }
    // …while a different image there is still refused
    const other = dicomSlice(slice(9), { z: 5, instanceNumber: 4 });
    expect((await errorOf(loadStudy(u8([...files, other]), LIMITS))).message).toMatch(/several different images at one slice position/);
  });

  it('several echoes at each position (different instances) → MIXED_SERIES telling to upload one echo / time point', async () => {
    const files: Buffer[] = [];
    for (let k = 0; k < 3; k++) for (const e of [0, 1]) files.push(dicomSlice(slice(k + 10 * e), { z: 5 * k, instanceNumber: 2 * k + e + 1 }));
    const err = await errorOf(loadStudy(u8(files), LIMITS));
    expect(err).toBeInstanceOf(MixedSeriesError);
    expect(err).toMatchObject({ code: 'MIXED_SERIES', statusCode: 422 });
    expect(err.message).toMatch(/several different images at each of 3 slice positions/);
    expect(err.message).toMatch(/one echo/);
  });

  it('an Enhanced MR object with two frames at one position → MIXED_SERIES', async () => {
    const b = dicomEnhanced([slice(0), slice(1), slice(2)], [0, 3, 3]);
    const err = await errorOf(loadStudy([new Uint8Array(b)], LIMITS));
    expect(err).toMatchObject({ code: 'MIXED_SERIES', statusCode: 422 });
  });

  it('without positions: a repeated file (same Instance Number, same pixels) counts once; a different image with that number is refused', async () => {
    const a = dicomSlice(slice(0), { geometry: false, instanceNumber: 1 });
    const b = dicomSlice(slice(1), { geometry: false, instanceNumber: 2 });
    const study = await loadStudy(u8([a, b, a]), LIMITS);
    expect(study.kind === 'slices' && study.meta.sliceCount).toBe(2);
    const other = dicomSlice(slice(5), { geometry: false, instanceNumber: 2 });
    const err = await errorOf(loadStudy(u8([a, b, other]), LIMITS));
    expect(err).toMatchObject({ code: 'MIXED_SERIES', statusCode: 422 });
  });

  it('the same instances twice with different pixel data (an original and a compressed copy) → MIXED_SERIES saying so, not "several echoes"', async () => {
    // one SOP Instance UID at one position in two files whose bytes differ: not echoes (each echo is its own instance),
    // but one image stored twice — refused as "several echoes, time points or diffusion directions… upload one echo"
    const files: Buffer[] = [];
    for (let k = 0; k < 3; k++) {
      const o = { z: 5 * k, instanceNumber: k + 1, sopInstanceUid: `1.2.826.0.1.3680043.8.498.77.${k}` };
      files.push(dicomSlice(slice(k), o), dicomSlice(slice(k), { ...o, rle: true }));
    }
    const err = await errorOf(loadStudy(u8(files), LIMITS));
    expect(err).toMatchObject({ code: 'MIXED_SERIES', statusCode: 422 });
    expect(err.message).toBe(
      'File 1 of 6 and file 2 of 6 are the same image (one SOP Instance UID, at one position) with different pixel data, and so are the copies of 2 more images: ' +
        'e.g. an original and a compressed or edited copy uploaded together. Upload one copy of the series.',
    );
    // an echo at a position of its own UID, beside the series: still "several different images"
    const echoes = [0, 1, 2].map((k) => dicomSlice(slice(k + 20), { z: 5 * k, instanceNumber: 10 + k }));
    expect((await errorOf(loadStudy(u8([...files.filter((_, i) => i % 2 === 0), ...echoes]), LIMITS))).message).toMatch(/several different images at each of 3 slice positions/);
  });

  it('one SOP Instance UID on every file (a careless anonymiser) does not collapse a series whose images differ', async () => {
    const files = [0, 1, 2].map((k) => dicomSlice(slice(k), { sopInstanceUid: '1.2.3.4.5', z: 5 * k, instanceNumber: k + 1 }));
    const study = await loadStudy(u8(files), LIMITS);
    expect(study.kind === 'slices' && study.meta.sliceCount).toBe(3);
    // …nor one without positions, told apart by Instance Number: not copies of one image
    const bare = [0, 1, 2].map((k) => dicomSlice(slice(k), { sopInstanceUid: '1.2.3.4.5', geometry: false, instanceNumber: k + 1 }));
    const unpositioned = await loadStudy(u8(bare), LIMITS);
    expect(unpositioned.kind === 'slices' && unpositioned.meta.sliceCount).toBe(3);
    // …nor one without either (read in upload order, as before)
    const bareNoNumber = [0, 1, 2].map((k) => dicomSlice(slice(k), { sopInstanceUid: '1.2.3.4.5', geometry: false, tags: { InstanceNumber: undefined } }));
    const unnumbered = await loadStudy(u8(bareNoNumber), LIMITS);
    expect(unnumbered.kind === 'slices' && unnumbered.meta).toMatchObject({ sliceCount: 3, ordering: 'upload_order' });
  });
});

describe('MIXED_SERIES names the series it found (a whole export folder uploaded)', () => {
  const SAGITTAL = [0, 1, 0, 0, 0, -1];
  const series = (n: number, uid: string, o: Parameters<typeof dicomSlice>[1] = {}) =>
    Array.from({ length: n }, (_, k) => dicomSlice(slice(k), { ...o, seriesUid: uid, z: 5 * k, position: o.orientation ? [5 * k, -115, 115] : undefined, instanceNumber: k + 1 }));

  it('each series: its description (scrubbed) or "no description", modality, plane and file count', async () => {
    // before: "The files belong to more than one series; upload one series at a time." — nothing said which to keep
    const files = [
      ...series(3, '1.2.3.1', { seriesNumber: 2, seriesDescription: 'AX T1 POST' }),
      ...series(2, '1.2.3.2', { seriesNumber: 3, seriesDescription: `SAG T2 ${MARKER}`, orientation: SAGITTAL }),
      ...series(1, '1.2.3.3', { seriesNumber: 4, seriesDescription: '' }),
    ];
    const err = await errorOf(loadStudy(u8(files), LIMITS));
    expect(err).toBeInstanceOf(MixedSeriesError);
    expect(err).toMatchObject({ code: 'MIXED_SERIES', statusCode: 422 });
    expect(err.message).toBe(
      'The files belong to 3 series: series 2 "AX T1 POST" (MR, axial, 3 files); series 3 "SAG T2" (MR, sagittal, 2 files); ' +
        'series 4, no description (MR, axial, 1 file). Upload one series at a time — the files of the one you want.',
    );
    // the patient's name typed into a description is cut out, as everywhere a description is shown
    expect(err.message.toUpperCase()).not.toContain(MARKER);
  });

  it('bounded: the first 5 series, then how many more', async () => {
    const files = Array.from({ length: 8 }, (_, k) => dicomSlice(slice(k), { seriesUid: `1.2.3.${k + 1}`, seriesNumber: k + 1, seriesDescription: `EPI ${k + 1}`, z: 5 * k }));
    const err = await errorOf(loadStudy(u8(files), LIMITS));
    expect(err.message).toMatch(/^The files belong to 8 series: series 1 "EPI 1" .*; series 5 "EPI 5" \(MR, axial, 1 file\) and 3 more\. Upload one series/);
    expect(err.message).not.toContain('EPI 6');
  });

  it('series told apart without UIDs (Series Number / Description) are named the same way', async () => {
    const files: Buffer[] = [];
    for (let k = 0; k < 2; k++) {
      files.push(dicomSlice(slice(k), { seriesUid: null, seriesDescription: 'AX T1', seriesNumber: 2, z: 5 * k, instanceNumber: k + 1 }));
      files.push(dicomSlice(slice(k + 10), { seriesUid: null, seriesDescription: 'AX FLAIR', seriesNumber: 3, z: 5 * k + 2, instanceNumber: k + 1 }));
    }
    const err = await errorOf(loadStudy(u8(files), LIMITS));
    expect(err.message).toContain('2 series: series 2 "AX T1" (MR, axial, 2 files); series 3 "AX FLAIR" (MR, axial, 2 files).');
    expect(err.message).toMatch(/no Series Instance UID/);
  });
});

describe('series without Series Instance UID', () => {
  it('T1 and FLAIR interleaved, both without UID → MIXED_SERIES', async () => {
    const files: Buffer[] = [];
    for (let k = 0; k < 3; k++) {
      files.push(dicomSlice(slice(k), { seriesUid: null, seriesDescription: 'AX T1', seriesNumber: 2, z: 5 * k, instanceNumber: k + 1 }));
      files.push(dicomSlice(slice(k + 10), { seriesUid: null, seriesDescription: 'AX FLAIR', seriesNumber: 3, z: 5 * k + 2, instanceNumber: k + 1 }));
    }
    const err = await errorOf(loadStudy(u8(files), LIMITS));
    expect(err).toBeInstanceOf(MixedSeriesError);
  });

  it('the same description but two Series Numbers → MIXED_SERIES; one series without UID is accepted', async () => {
    const two = [0, 1, 2].map((k) => dicomSlice(slice(k), { seriesUid: null, seriesNumber: k % 2 ? 4 : 5, z: 5 * k, instanceNumber: k + 1 }));
    expect(await errorOf(loadStudy(u8(two), LIMITS))).toBeInstanceOf(MixedSeriesError);
    const one = [0, 1, 2].map((k) => dicomSlice(slice(k), { seriesUid: null, seriesNumber: 4, z: 5 * k, instanceNumber: k + 1 }));
    expect((await loadStudy(u8(one), LIMITS)).kind).toBe('slices');
  });
});

describe('localizers', () => {
  const series = () => [0, 1, 2].map((k) => dicomSlice(slice(k), { z: 5 * k, instanceNumber: k + 2, imageType: ['ORIGINAL', 'PRIMARY', 'M', 'ND'] }));

  it('a localizer with the series orientation and size is left out', async () => {
    const scout = dicomSlice(slice(20), { z: 200, instanceNumber: 1, imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] });
    const study = await loadStudy(u8([scout, ...series()]), LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.sliceCount).toBe(3);
    expect(study.slices.map((s) => s.position)).toEqual([0, 5, 10]);
  });

  it('a SCOUT in another orientation is left out too, not a mixed-orientation refusal', async () => {
    const scout = dicomSlice(slice(20), { instanceNumber: 1, imageType: ['ORIGINAL', 'PRIMARY', 'SCOUT'], orientation: [0, 1, 0, 0, 0, -1] });
    const study = await loadStudy(u8([...series(), scout]), LIMITS);
    expect(study.kind === 'slices' && study.meta.sliceCount).toBe(3);
  });

  it('only localizers → 415 naming them', async () => {
    const scouts = [0, 1].map((k) => dicomSlice(slice(k), { z: 5 * k, instanceNumber: k + 1, imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] }));
    const err = await errorOf(loadStudy(u8(scouts), LIMITS));
    expect(err).toBeInstanceOf(UnsupportedStudyFileError);
    expect(err.message).toMatch(/localizer/i);
  });
});

describe('orientation', () => {
  it('jitter of ±1e-5 between slices is one orientation', async () => {
    const files = [0, 1, 2, 3].map((k) => dicomSlice(slice(k), { z: 5 * k, instanceNumber: k + 1, orientation: [1, 0, 0, 0, 1, k % 2 ? -1e-5 : 1e-5] }));
    const study = await loadStudy(u8(files), LIMITS);
    expect(study.kind === 'slices' && study.meta.sliceCount).toBe(4);
  });

  it('a real difference (0.05) is still refused as MIXED_SERIES', async () => {
    const files = [0, 1].map((k) => dicomSlice(slice(k), { z: 5 * k, instanceNumber: k + 1, orientation: [1, 0, 0, 0, 1 - (k ? 0.00125 : 0), k ? 0.05 : 0] }));
    expect(await errorOf(loadStudy(u8(files), LIMITS))).toBeInstanceOf(MixedSeriesError);
  });
});

describe('pixel spacing', () => {
  it('files of one series that disagree on Pixel Spacing are MIXED_SERIES (each would be stretched its own way)', async () => {
    const files = [0, 1].map((k) => dicomSlice(slice(k), { z: 5 * k, instanceNumber: k + 1, pixelSpacing: k ? [1, 1] : [0.5, 1] }));
    const err = await errorOf(loadStudy(u8(files), LIMITS));
    expect(err).toBeInstanceOf(MixedSeriesError);
    expect(err.message).toMatch(/pixel spacing/);
    const absentOnOne = [0, 1].map((k) => dicomSlice(slice(k), { z: 5 * k, instanceNumber: k + 1, pixelSpacing: k ? null : [0.9, 0.9] }));
    expect(await errorOf(loadStudy(u8(absentOnOne), LIMITS))).toBeInstanceOf(MixedSeriesError);
  });

  it('one spacing (to 0.1 %), or none on every file, is one series', async () => {
    for (const spacing of [(k: number) => [0.5, 1 + k * 1e-4] as [number, number], () => null]) {
      const files = [0, 1, 2].map((k) => dicomSlice(slice(k), { z: 5 * k, instanceNumber: k + 1, pixelSpacing: spacing(k) }));
      const study = await loadStudy(u8(files), LIMITS);
      expect(study.kind === 'slices' && study.meta.sliceCount).toBe(3);
    }
  });
});

describe('ordering reported', () => {
  it('a classic multi-frame file (no functional groups) keeps stored order and says so', async () => {
    const frames = [slice(0), slice(1), slice(2)];
    const tall: GreySlice = { width: 32, height: 96, data: Uint8Array.from(frames.flatMap((f) => [...f.data])) };
    const study = await loadStudy([new Uint8Array(dicomSlice(tall, { numberOfFrames: 3 }))], LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.sliceCount).toBe(3);
    expect(study.slices.map((s) => s.position)).toEqual([null, null, null]);
    expect(study.meta.ordering).toBe('upload_order');
    study.slices.forEach((s, k) => expect(Buffer.from(s.image.data).equals(Buffer.from(frames[k].data))).toBe(true));
  });

  it('several classic multi-frame files: the files ordered by position, their frames still in stored order — not "position", and no gap was looked for', async () => {
    // the single-file case above says upload_order; two such files said "position", so the neighbour rule read the
    // stored frame order as anatomy's and the record kept "no slice missing" where no frame position was known
    const tall = (k: number): GreySlice => ({ width: 32, height: 96, data: Uint8Array.from([0, 1, 2].flatMap((f) => [...slice(3 * k + f).data])) });
    const files = [1, 0].map((k) => dicomSlice(tall(k), { numberOfFrames: 3, z: 10 * k, instanceNumber: k + 1 }));
    const study = await loadStudy(u8(files), LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.slices.map((s) => s.position)).toEqual(Array(6).fill(null));
    expect(study.meta.ordering).toBe('upload_order');
    expect(recordGaps(study.meta)).toBeNull();
    // the files are still taken in position order, each file's frames as stored
    study.slices.forEach((s, k) => expect(Buffer.from(s.image.data).equals(Buffer.from(slice(k).data))).toBe(true));
  });
});
