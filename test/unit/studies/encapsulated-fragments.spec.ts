import sharp from 'sharp';
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

  // PS3.5 A.4.2: "Each Frame shall be encoded in one and only one Fragment" under RLE. Two frames in
  // four fragments with an empty table break that rule: the file is malformed (422), and a 415
  // "convert it to an uncompressed transfer syntax" sent the user to a converter that has the same
  // fragments to group.
  it('RLE, 2 frames in 4 fragments and no Basic Offset Table: a 422 naming the one-fragment-per-frame rule, not a 415 "convert it"', async () => {
    const frames = [0, 1].map((k) => fragments(rleEncode16(values(k)), 2));
    const err = await loadStudy([new Uint8Array(multiFrame(RLE, frames, false, 16))], LIMITS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect(err).toMatchObject({ statusCode: 422, code: 'CORRUPT_IMAGE' });
    expect((err as Error).message).toMatch(/2 frames.*4 fragments.*RLE holds one fragment per frame/);
  });

  // PS3.5 A.4: a Basic Offset Table with a value holds one offset per frame, each the first byte of
  // that frame's first fragment item, the first 0. One that names a byte inside a fragment is broken.
  it.each([
    ['an offset inside a fragment', (good: number[]) => [0, good[1] + 2]],
    ['one entry for two frames', () => [0]],
    ['a first offset other than 0', (good: number[]) => [8, good[1]]],
  ])('RLE, 2 frames in 4 fragments with a Basic Offset Table holding %s: a 422 naming the table', async (_, bot) => {
    const frames = [0, 1].map((k) => fragments(rleEncode16(values(k)), 2));
    const file = mrDicom({ rows: R, columns: R, bitsAllocated: 16, frames: 2, transferSyntax: RLE, pixelData: el.encapsulated(frames.flat(), bot(offsetTable(frames))) });
    const err = await loadStudy([new Uint8Array(file)], LIMITS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect((err as Error).message).toMatch(/2 frames.*4 fragments.*Basic Offset Table \(\d entr/);
  });

  it('JPEG Baseline, 2 frames in 5 fragments, no Basic Offset Table: frames found at their EOI markers', async () => {
    const grey = [0, 1].map((k) => Uint8Array.from({ length: R * R }, (_, i) => (k === 0 ? (i % R) * 8 : 255 - (i % R) * 8)));
    const jpegs = await Promise.all(grey.map((g) => sharp(Buffer.from(g), { raw: { width: R, height: R, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 100 }).toBuffer()));
    const frames = [fragments(new Uint8Array(jpegs[0]), 3), fragments(new Uint8Array(jpegs[1]), 2)];
    const study = await load(multiFrame(JPEG, frames, false, 8, [el.ds(0x00281050, 128), el.ds(0x00281051, 256)]));
    expect(study.slices).toHaveLength(2);
    study.slices.forEach((s, k) => expect(maxDiff(s.image.data, grey[k])).toBeLessThanOrEqual(8));
  });

  it('JPEG Baseline, 2 frames in 5 fragments, a Basic Offset Table pointing inside a fragment: the frames are still found at their EOI markers', async () => {
    const grey = [0, 1].map((k) => Uint8Array.from({ length: R * R }, (_, i) => (k === 0 ? (i % R) * 8 : 255 - (i % R) * 8)));
    const jpegs = await Promise.all(grey.map((g) => sharp(Buffer.from(g), { raw: { width: R, height: R, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 100 }).toBuffer()));
    const frames = [fragments(new Uint8Array(jpegs[0]), 3), fragments(new Uint8Array(jpegs[1]), 2)];
    const file = mrDicom({ rows: R, columns: R, bitsAllocated: 8, frames: 2, transferSyntax: JPEG, pixelData: el.encapsulated(frames.flat(), [0, offsetTable(frames)[1] + 2]) });
    const study = await load(file);
    study.slices.forEach((s, k) => expect(maxDiff(s.image.data, grey[k])).toBeLessThanOrEqual(8));
  });

  // Every JPEG codestream ends with EOI (ITU T.81 B.2.1), which no entropy-coded byte run can hold:
  // frames whose fragments do not end at one are not 2 whole JPEG images (a cut or spliced file).
  it('JPEG Baseline, 2 frames over 3 fragments, no table, and the first frame has lost its EOI marker: a 422, not a 415 "convert it"', async () => {
    const jpegs = await Promise.all([40, 200].map((v) => sharp(Buffer.alloc(R * R, v), { raw: { width: R, height: R, channels: 1 } }).jpeg().toBuffer()));
    const cut = new Uint8Array(jpegs[0]).subarray(0, jpegs[0].length - 2);
    const file = mrDicom({ rows: R, columns: R, bitsAllocated: 8, frames: 2, transferSyntax: JPEG, pixelData: el.encapsulated([...fragments(cut, 2), new Uint8Array(jpegs[1])]) });
    const err = await load(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect((err as Error).message).toMatch(/2 frames.*3 fragments.*end-of-image/);
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
