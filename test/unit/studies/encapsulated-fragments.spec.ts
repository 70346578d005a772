import sharp from 'sharp';
import { UnsupportedFragmentLayoutError } from '../../../src/studies/encapsulated';
import { CorruptStudyError } from '../../../src/studies/study-errors';
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { el, fragments, maxDiff, mrDicom, offsetTable, ref } from '../../support/dicom-pixel-fixtures';
import { rleEncode16 } from '../../support/rle-fixtures';

const LIMITS: StudyLimits = { maxBytes: 64 * 1024 * 1024, maxSlices: 50, minSide: 16, maxPixels: 1_000_000 };
const R = 32;
const RLE = '1.2.840.10008.1.2.5';
const JPEG = '1.2.840.10008.1.2.4.50';
const values = (k: number) => Uint16Array.from({ length: R * R }, (_, i) => (i * 37 + k * 500) % 1000);

function multiFrame(ts: string, framesOfFragments: Uint8Array[][], withBot: boolean, bitsAllocated: number, extra = [el.ds(0x00281050, 500), el.ds(0x00281051, 1000)]) {
  return mrDicom({
    rows: R,
    columns: R,
    bitsAllocated,
    frames: framesOfFragments.length,
    transferSyntax: ts,
    pixelData: el.encapsulated(framesOfFragments.flat(), withBot ? offsetTable(framesOfFragments) : []),
    extra,
  });
}

async function load(file: Buffer) {
  const study = await loadStudy([new Uint8Array(file)], LIMITS);
  if (study.kind !== 'slices') throw new Error('expected slices');
  return study;
}

describe('encapsulated pixel data with several fragments per frame', () => {
  it('RLE, 3 frames of 2–3 fragments each, with a Basic Offset Table: every frame decoded exactly', async () => {
    const frames = [0, 1, 2].map((k) => fragments(rleEncode16(values(k)), 2 + (k % 2)));
    const study = await load(multiFrame(RLE, frames, true, 16));
    expect(study.slices).toHaveLength(3);
    study.slices.forEach((s, k) => expect(maxDiff(s.image.data, Array.from(values(k), (x) => ref.linear(x, 500, 1000)))).toBe(0));
  });

  it('RLE, 2 frames in 4 fragments and no Basic Offset Table: a named 415, not a 422 or a misread', async () => {
    const frames = [0, 1].map((k) => fragments(rleEncode16(values(k)), 2));
    const err = await loadStudy([new Uint8Array(multiFrame(RLE, frames, false, 16))], LIMITS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedFragmentLayoutError);
    expect(err).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_TRANSFER_SYNTAX' });
  });

  it('JPEG Baseline, 2 frames in 5 fragments, no Basic Offset Table: frames found at their EOI markers', async () => {
    const grey = [0, 1].map((k) => Uint8Array.from({ length: R * R }, (_, i) => (k === 0 ? (i % R) * 8 : 255 - (i % R) * 8)));
    const jpegs = await Promise.all(grey.map((g) => sharp(Buffer.from(g), { raw: { width: R, height: R, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 100 }).toBuffer()));
    const frames = [fragments(new Uint8Array(jpegs[0]), 3), fragments(new Uint8Array(jpegs[1]), 2)];
    const study = await load(multiFrame(JPEG, frames, false, 8, [el.ds(0x00281050, 128), el.ds(0x00281051, 256)]));
    expect(study.slices).toHaveLength(2);
    study.slices.forEach((s, k) => expect(maxDiff(s.image.data, grey[k])).toBeLessThanOrEqual(8));
  });

  it.each([
    ['RLE', RLE],
    ['JPEG Baseline', JPEG],
  ])('%s, Number of Frames 3 over the fragments of one frame: a named 422 (missing frames), not a 415 "convert it"', async (_, ts) => {
    const fragment = ts === RLE ? rleEncode16(values(0)) : new Uint8Array(await sharp(Buffer.alloc(R * R, 99), { raw: { width: R, height: R, channels: 1 } }).jpeg().toBuffer());
    const file = mrDicom({ rows: R, columns: R, bitsAllocated: ts === RLE ? 16 : 8, frames: 3, transferSyntax: ts, pixelData: el.encapsulated([fragment]) });
    const err = await load(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect((err as Error).message).toMatch(/3 frames.*1 compressed fragment/);
  });

  it('one frame in several fragments is still the whole of them', async () => {
    const study = await load(multiFrame(RLE, [fragments(rleEncode16(values(0)), 3)], false, 16));
    expect(maxDiff(study.slices[0].image.data, Array.from(values(0), (x) => ref.linear(x, 500, 1000)))).toBe(0);
  });
});
