import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { resizeBilinearF } from '../../../src/inference/preprocess';
import { loadStudy } from '../../../src/studies/study-loader';
import { CorruptStudyError, StudyTooLargeError, UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import { dicomEnhanced } from '../../support/enhanced-dicom-fixtures';
import { dicomJpegSlice } from '../../support/jpeg-dicom-fixtures';
import { catchErr, LIMITS, slices } from '../../support/study-loader-cases';
import { dicomSeries, dicomSlice, syntheticSlice, zip } from '../../support/study-fixtures';

/** loadStudy on the DICOM pixel encodings past plain little endian: RLE, Enhanced MR multi-frame, JPEG Baseline, deflated. */
describe('loadStudy: RLE Lossless', () => {
  it('decodes RLE-compressed series exactly', async () => {
    const src = slices(3);
    const study = await loadStudy(dicomSeries(src, { rle: true }).map((b) => new Uint8Array(b)), LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.transferSyntax).toBe('1.2.840.10008.1.2.5');
    study.slices.forEach((s, k) => expect(Buffer.from(s.image.data).equals(Buffer.from(src[k].data))).toBe(true));
  });

  it('RLE frames that would decode past the study limit are refused before decoding (413)', async () => {
    const big = syntheticSlice(1024, 1024, () => 7); // 2 MB decoded, a few kB compressed
    const b = dicomSlice(big, { rle: true });
    expect(b.length).toBeLessThan(100_000);
    const err = await catchErr(() => loadStudy([new Uint8Array(b)], { ...LIMITS, maxBytes: 1_000_000 }));
    expect(err).toBeInstanceOf(StudyTooLargeError);
  });

  it('corrupt RLE data → 422', async () => {
    const b = Buffer.from(dicomSlice(slices(1)[0], { rle: true }));
    const at = b.indexOf(Buffer.from([2, 0, 0, 0, 64, 0, 0, 0])); // RLE header: 2 segments, first at 64
    expect(at).toBeGreaterThan(0);
    b.writeUInt32LE(b.length, at + 8); // second segment starts past the end
    const err = await catchErr(() => loadStudy([new Uint8Array(b)], LIMITS));
    expect(err).toBeInstanceOf(CorruptStudyError);
  });
});

describe('loadStudy: Enhanced MR (multi-frame)', () => {
  it('orders frames by their per-frame positions; rescale, window and spacing from the shared groups', async () => {
    const src = slices(4);
    // stored order: z = 9, 0, 6, 3 → anatomical order is frames 1, 3, 2, 0
    const b = dicomEnhanced([src[3], src[0], src[2], src[1]], [9, 0, 6, 3]);
    const study = await loadStudy([new Uint8Array(b)], LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta).toMatchObject({ sliceCount: 4, ordering: 'position', windowing: 'header', seriesDescription: 'ENH T2' });
    expect(study.meta.spacing).toEqual({ column: 0.7, row: 0.8, slice: 3 });
    // that spacing gives the slices their physical shape: 80 rows at 0.8 mm = 91 square pixels of 0.7 mm
    expect(study.meta.display).toEqual({ width: 64, height: 91, pixels: 'resampled' });
    study.slices.forEach((s, k) => {
      expect(s.position).toBe(k * 3);
      const stretched = resizeBilinearF(Float32Array.from(src[k].data), 64, 80, 64, 91);
      expect(Array.from(s.image.data)).toEqual(Array.from(stretched, (v) => Math.min(255, Math.floor(v + 0.5))));
    });
  });
});

describe('loadStudy: JPEG Baseline', () => {
  it('decodes 8-bit JPEG frames through the service decoder (within JPEG loss)', async () => {
    const src = syntheticSlice(96, 80, (x, y) => 40 + ((x * 2 + y) % 160));
    const study = await loadStudy([new Uint8Array(await dicomJpegSlice(src))], LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    const d = study.slices[0].image.data;
    let maxErr = 0;
    for (let i = 0; i < d.length; i++) maxErr = Math.max(maxErr, Math.abs(d[i] - src.data[i]));
    expect(maxErr).toBeLessThanOrEqual(12);
  });

  // DICOM's Rows, Columns and Image Orientation say how the frame lies; an EXIF Orientation in the
  // JPEG stream (a camera's, kept by some converters) is not DICOM's and no DICOM viewer applies it.
  // The service's image decoder did: a square frame came out turned 90°, a non-square one refused (422).
  it.each([
    ['square', 64, 64],
    ['non-square', 96, 80],
  ])('an EXIF Orientation in the JPEG frame is ignored, as DICOM viewers do (%s frame)', async (_, width, height) => {
    const src = syntheticSlice(width, height, (x, y) => 40 + ((x * 2 + y) % 160));
    const exif = await sharp(Buffer.from(src.data), { raw: { width, height, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    const file = dicomSlice(src, { bits8: true, encapsulatedAs: '1.2.840.10008.1.2.4.50', fragment: new Uint8Array(exif) });
    const study = await loadStudy([new Uint8Array(file)], LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    const d = study.slices[0].image.data;
    let maxErr = 0;
    for (let i = 0; i < d.length; i++) maxErr = Math.max(maxErr, Math.abs(d[i] - src.data[i]));
    expect(maxErr).toBeLessThanOrEqual(12);
  });

  it('a CMYK (or YCCK) JPEG frame → 415 from its frame header, whatever SamplesPerPixel says, also inside a ZIP', async () => {
    const src = syntheticSlice(96, 80, (x) => 40 + x);
    const cmyk = await sharp(Buffer.from(src.data), { raw: { width: 96, height: 80, channels: 1 } }).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    const ycck = Buffer.from(cmyk);
    ycck[cmyk.indexOf(Buffer.from([0xff, 0xee])) + 4 + 11] = 2; // the Adobe APP14 transform: YCCK
    const files = [
      dicomSlice(src, { bits8: true, encapsulatedAs: '1.2.840.10008.1.2.4.50', fragment: new Uint8Array(cmyk) }),
      dicomSlice(src, { bits8: true, samplesPerPixel: 3, photometric: 'YBR_FULL_422', window: false, encapsulatedAs: '1.2.840.10008.1.2.4.50', fragment: new Uint8Array(ycck) }),
    ];
    for (const [k, upload] of [[files[0]], [files[1]], [zip({ 'a/IM1': new Uint8Array(files[0]) })]].entries()) {
      const err = await catchErr(() => loadStudy(upload.map((b) => new Uint8Array(b)), LIMITS));
      expect(err).toBeInstanceOf(UnsupportedStudyFileError);
      expect((err as Error).message).toMatch(k === 1 ? /YCCK \(CMYK\) JPEG frame — a print export, not a scan — is not supported/ : /: a CMYK JPEG frame — a print export, not a scan — is not supported/);
    }
  });

  it('a corrupt JPEG frame → 422', async () => {
    const err = await catchErr(() => loadStudy([new Uint8Array(dicomSlice(slices(1)[0], { bits8: true, encapsulatedAs: '1.2.840.10008.1.2.4.50' }))], LIMITS));
    expect(err).toBeInstanceOf(CorruptStudyError);
  });
});

describe('loadStudy: deflated transfer syntax', () => {
  it('reads Deflated Explicit VR Little Endian (inflated within the budget)', async () => {
    const src = syntheticSlice(64, 64, (x, y) => (x * 5 + y) % 256);
    const b = Buffer.from(dicomSlice(src, { transferSyntax: '1.2.840.10008.1.2.1.99' }));
    // dcmjs writes the dataset uncompressed: deflate everything after the file meta group
    const groupLength = b.readUInt32LE(132 + 8);
    const metaEnd = 132 + 12 + groupLength;
    const deflated = Buffer.concat([b.subarray(0, metaEnd), zlib.deflateRawSync(b.subarray(metaEnd))]);
    const study = await loadStudy([new Uint8Array(deflated)], LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.transferSyntax).toBe('1.2.840.10008.1.2.1.99');
    expect(Buffer.from(study.slices[0].image.data).equals(Buffer.from(src.data))).toBe(true);
  });

  it('a deflate bomb inside a DICOM stops at the study budget (413), inflated off the event loop', async () => {
    const b = Buffer.from(dicomSlice(syntheticSlice(64, 64, () => 7), { transferSyntax: '1.2.840.10008.1.2.1.99' }));
    const metaEnd = 132 + 12 + b.readUInt32LE(132 + 8);
    const bomb = Buffer.concat([b.subarray(0, metaEnd), zlib.deflateRawSync(Buffer.alloc(24 * 1024 * 1024))]);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const err = await loadStudy([new Uint8Array(bomb)], { ...LIMITS, maxBytes: 8 * 1024 * 1024 }).then(
      () => null,
      (e: unknown) => e,
    );
    clearInterval(timer);
    expect(err).toBeInstanceOf(StudyTooLargeError);
    expect(ticks).toBeGreaterThan(0);
  });
});
