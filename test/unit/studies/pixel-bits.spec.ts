import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { CorruptStudyError } from '../../../src/studies/study-errors';
import { el, maxDiff, MrOptions, mrDicom, ref } from '../../support/dicom-pixel-fixtures';

const LIMITS: StudyLimits = { maxBytes: 64 * 1024 * 1024, maxSlices: 50, minSide: 16, maxPixels: 1_000_000 };
const R = 32;
const N = R * R;

/** One slice with a linear window (c, w); returns its 8-bit pixels. */
async function windowed(o: Omit<MrOptions, 'rows' | 'columns'>, c: number, w: number): Promise<Uint8Array> {
  const file = mrDicom({ rows: R, columns: R, ...o, extra: [el.ds(0x00281050, c), el.ds(0x00281051, w)] });
  const study = await loadStudy([new Uint8Array(file)], LIMITS);
  if (study.kind !== 'slices') throw new Error('expected slices');
  expect(study.meta.windowing).toBe('header');
  return study.slices[0].image.data;
}

const unsigned = (bits: number) => Array.from({ length: N }, (_, i) => (i * 2654435761) % 2 ** bits);
const signedVals = (bits: number) => unsigned(bits).map((v) => v - 2 ** (bits - 1));

describe('32-bit pixel data honours Bits Stored like 8 and 16 bits', () => {
  it('unsigned, Bits Stored 20: garbage above bit 19 is masked off', async () => {
    const v = unsigned(20);
    const img = await windowed({ bitsAllocated: 32, bitsStored: 20, words: v.map((x) => x | (0x7 << 24)) }, 2 ** 19, 2 ** 20);
    expect(maxDiff(img, v.map((x) => ref.linear(x, 2 ** 19, 2 ** 20)))).toBe(0);
  });

  it('signed, Bits Stored 20: sign-extended from bit 19, garbage above ignored', async () => {
    const v = signedVals(20);
    const words = v.map((x) => (x & 0xfffff) | (0x5 << 24));
    const img = await windowed({ bitsAllocated: 32, bitsStored: 20, pixelRepresentation: 1, words }, 0, 2 ** 20);
    expect(maxDiff(img, v.map((x) => ref.linear(x, 0, 2 ** 20)))).toBe(0);
  });

  it('signed, Bits Stored 32: plain int32', async () => {
    const v = signedVals(20).map((x) => x * 1000);
    const img = await windowed({ bitsAllocated: 32, bitsStored: 32, pixelRepresentation: 1, words: v.map((x) => x >>> 0) }, 0, 2 ** 30);
    expect(maxDiff(img, v.map((x) => ref.linear(x, 0, 2 ** 30)))).toBe(0);
  });
});

describe('High Bit (0028,0102)', () => {
  it('High Bit 15, Bits Stored 12: the value sits in the upper 12 bits', async () => {
    const v = unsigned(12);
    const img = await windowed({ bitsAllocated: 16, bitsStored: 12, highBit: 15, words: v.map((x) => (x << 4) | 0xf) }, 2048, 4096);
    expect(maxDiff(img, v.map((x) => ref.linear(x, 2048, 4096)))).toBe(0);
  });

  it('signed, High Bit 15, Bits Stored 12', async () => {
    const v = signedVals(12);
    const img = await windowed({ bitsAllocated: 16, bitsStored: 12, highBit: 15, pixelRepresentation: 1, words: v.map((x) => ((x & 0xfff) << 4) | 0x5) }, 0, 4096);
    expect(maxDiff(img, v.map((x) => ref.linear(x, 0, 4096)))).toBe(0);
  });

  it('8-bit, High Bit 7, Bits Stored 6', async () => {
    const v = unsigned(6);
    const img = await windowed({ bitsAllocated: 8, bitsStored: 6, highBit: 7, words: v.map((x) => (x << 2) | 0x3) }, 32, 64);
    expect(maxDiff(img, v.map((x) => ref.linear(x, 32, 64)))).toBe(0);
  });

  it.each([
    ['High Bit ≥ Bits Allocated', { bitsStored: 12, highBit: 16 }],
    ['High Bit < Bits Stored − 1', { bitsStored: 12, highBit: 10 }],
    ['Bits Stored > Bits Allocated', { bitsStored: 17, highBit: 15 }],
  ])('an impossible layout (%s) → 422 CORRUPT_IMAGE, not a misread', async (_, bits) => {
    const file = mrDicom({ rows: R, columns: R, bitsAllocated: 16, ...bits, words: unsigned(12) });
    await expect(loadStudy([new Uint8Array(file)], LIMITS)).rejects.toBeInstanceOf(CorruptStudyError);
  });
});
