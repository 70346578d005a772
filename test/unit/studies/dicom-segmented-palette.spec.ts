import { codecThread } from '../../../src/studies/codec-thread';
import * as dicomPixels from '../../../src/studies/dicom-pixels';
import { expandSegments, MAX_SEGMENT_VISITS } from '../../../src/studies/palette-segments';
import { CorruptStudyError } from '../../../src/studies/study-errors';
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { colourAnswers, expectSameAnswer, GREY, H, maxDiff, W } from '../../support/colour-answers';
import { colourDicom, greyToRgb, ob, paletteElements, seg, segmentedPaletteElements } from '../../support/colour-dicom-fixtures';
import { el } from '../../support/dicom-pixel-fixtures';

/**
 * Segmented Palette Color Lookup Tables (0028,1221–1223; PS3.3 C.7.9.2), an older ultrasound
 * writers' palette: each table written as discrete, linear and indirect segments, which expand to
 * the table a plain palette holds. A segmented file is read exactly as the plain one of the same
 * entries; every count it declares is checked before it is looped over, and what no valid table
 * is — a linear or indirect segment with nothing before it, an indirect one copying what is not
 * before it, a segment past the data's end, an expansion other than the declared entries, copies of
 * copies without end — is a 422 naming it, before any frame is decoded.
 */

const LIMITS: StudyLimits = { maxBytes: 64 * 1024 * 1024, maxSlices: 10, minSide: 16, maxPixels: 1_000_000 };
const { pngAnswer, dicomAnswer } = colourAnswers();
afterAll(() => codecThread.end());
afterEach(() => jest.restoreAllMocks());

const paletteFile = (extra: ReturnType<typeof paletteElements>) => colourDicom({ width: W, height: H, photometric: 'PALETTE COLOR', pixelData: ob(GREY), extra });

async function pixelsOf(file: Buffer): Promise<Uint8Array> {
  const study = await loadStudy([new Uint8Array(file)], LIMITS);
  if (study.kind !== 'slices') throw new Error('expected slices');
  return study.slices[0].image.data;
}

describe('expansion (C.7.9.2.1–3)', () => {
  it('discrete entries as they are, a linear segment the line from the entry before it, an indirect one a copy of earlier segments', () => {
    // words: D at 0 (5 words), L at 5 (3), I at 8 copying 2 segments from byte 0
    const units = [...seg.discrete(0, 256, 512), ...seg.linear(4, 1536), ...seg.indirect(2, 0)];
    expect(Array.from(expandSegments(units, 14, true) as Uint16Array)).toEqual([0, 256, 512, 768, 1024, 1280, 1536, 0, 256, 512, 768, 1024, 1280, 1536]);
  });

  it('a falling line, a flat one, and a linear segment copied after other entries continues from them', () => {
    const units = [...seg.discrete(100), ...seg.linear(4, 60), ...seg.linear(2, 60), ...seg.discrete(0), ...seg.indirect(1, 2 * 3)];
    // 100; 4 down to 60; 2 flat; 0; then the falling line copied, from 0 up to its 60
    expect(Array.from(expandSegments(units, 12, true) as Uint16Array)).toEqual([100, 90, 80, 70, 60, 60, 60, 0, 15, 30, 45, 60]);
  });

  it('8-bit tables are written in bytes, the indirect offset in four of them; one trailing 0 byte is padding', () => {
    const units = [...seg.discrete(10, 20), ...seg.linear(3, 50), ...seg.indirect(1, 0, 8), 0];
    expect(Array.from(expandSegments(units, 7, false) as Uint16Array)).toEqual([10, 20, 30, 40, 50, 10, 20]);
  });

  it('an indirect segment may copy one that copies: each reaches only segments before it', () => {
    const units = [...seg.discrete(1), ...seg.indirect(1, 0), ...seg.indirect(2, 0)]; // D(1); copy D; copy D and the copy of D
    expect(Array.from(expandSegments(units, 4, true) as Uint16Array)).toEqual([1, 1, 1, 1]);
  });
});

describe('a segmented palette is read as the plain palette of the same entries', () => {
  /** a "hot" colour map (black → red → yellow → white), 16-bit entries, as three lines each */
  const HOT: [number[][], number[][], number[][]] = [
    [seg.discrete(0), seg.linear(85, 65535), seg.linear(170, 65535)],
    [seg.discrete(0), seg.linear(85, 0), seg.linear(85, 65535), seg.linear(85, 65535)],
    [seg.discrete(0), seg.linear(170, 0), seg.linear(85, 65535)],
  ];
  const HOT_FLAT = [0, 1, 2].map((c) => Array.from({ length: 256 }, (_, v) => Math.min(255, Math.max(0, v * 3 - 255 * c)) * 257)) as [number[], number[], number[]];
  /** two grey ramps of 128 entries, the second an indirect copy of the first's segments */
  const TWO_RAMPS = [seg.discrete(0), seg.linear(127, 65535), seg.indirect(2, 0)];
  const ramp = Array.from({ length: 256 }, (_, v) => Math.round((65535 * (v % 128)) / 127));

  it('a hot colour map in lines: the same RGB as its plain table, exactly', async () => {
    const flat = await pixelsOf(paletteFile(paletteElements(HOT_FLAT)));
    const segmented = await pixelsOf(paletteFile(segmentedPaletteElements(HOT, { entries: 256 })));
    expect(maxDiff(segmented, flat)).toBe(0);
    expect(new Set(segmented).size).toBeGreaterThan(80); // every level of the map (multiples of 3), not a stand-in
  });

  it('two grey ramps, the second an indirect copy: the same RGB as the plain table, and the answer its PNG gets', async () => {
    const segmented = paletteFile(segmentedPaletteElements([TWO_RAMPS, TWO_RAMPS, TWO_RAMPS], { entries: 256 }));
    const flat = await pixelsOf(paletteFile(paletteElements([ramp, ramp, ramp])));
    const read = await pixelsOf(segmented);
    expect(maxDiff(read, flat)).toBe(0);
    const grey = Uint8Array.from(GREY, (v) => ramp[v] >> 8);
    expect(maxDiff(read, greyToRgb(grey))).toBe(0);
    const r = await dicomAnswer(segmented);
    expectSameAnswer(r.slices[0], await pngAnswer(grey, 1));
  });

  it('8-bit entries in bytes, 16-bit indices from a first value mapped of 100', async () => {
    const words = Buffer.alloc(GREY.length * 2);
    GREY.forEach((v, i) => words.writeUInt16LE(v + 100, 2 * i));
    const tables = [seg.discrete(0), seg.linear(255, 255)];
    const file = colourDicom({ width: W, height: H, photometric: 'PALETTE COLOR', bitsAllocated: 16, pixelData: el.bytes(0x7fe00010, 'OW', words), extra: segmentedPaletteElements([tables, tables, tables], { entries: 256, first: 100, bits: 8 }) });
    expect(maxDiff(await pixelsOf(file), greyToRgb(GREY))).toBe(0);
  });
});

describe('segments no valid table has → 422 CORRUPT_IMAGE naming them, nothing decoded', () => {
  const nest = (k: number) => [seg.discrete(), ...Array.from({ length: k }, (_, j) => seg.indirect(j + 1, 0))];
  const cases: [string, number[][], number, RegExp][] = [
    ['a linear segment first', [seg.linear(256, 65535)], 256, /Segmented Red Palette Color Lookup Table Data starting with a linear segment/],
    ['an indirect segment first (nothing before it to copy)', [seg.indirect(1, 0), seg.discrete(...Array(256).fill(0))], 256, /copies segments not defined before it/],
    ['an indirect segment copying itself', [seg.discrete(...Array(255).fill(0)), seg.indirect(2, 0)], 256, /copies segments not defined before it/],
    ['an indirect offset inside a segment', [seg.discrete(...Array(128).fill(0)), seg.indirect(1, 2)], 256, /offset 2 is not the start of a segment/],
    ['an odd byte offset into words', [seg.discrete(...Array(128).fill(0)), seg.indirect(1, 1)], 256, /offset 1 is not the start of a segment/],
    ['a segment of type 3', [seg.discrete(0), [3, 255, 0]], 256, /a segment of type 3 at unit 3 \(0 discrete, 1 linear, 2 indirect\)/],
    ['a discrete segment declaring 65,535 entries in three words', [[0, 65535, 1, 2, 3]], 256, /runs past the data's end \(65537 units, 5 left\)/],
    ['fewer entries than declared', [seg.discrete(0), seg.linear(100, 65535)], 256, /expanding to 101 entries, not the 256/],
    ['more entries than declared', [seg.discrete(0), seg.linear(300, 65535)], 256, /expanding past the 256 entries/],
    ['copies of copies of an empty segment (2^40 visits)', nest(40), 256, new RegExp(`copy more than ${MAX_SEGMENT_VISITS.toLocaleString('en-GB')} segments`)],
  ];
  it.each(cases)('%s', async (_what, red, entries, reason) => {
    const good = [seg.discrete(0), seg.linear(255, 65535)];
    const decode = jest.spyOn(dicomPixels, 'decodeFrame');
    const err = await loadStudy([new Uint8Array(paletteFile(segmentedPaletteElements([red, good, good], { entries })))], LIMITS).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect(err).toMatchObject({ statusCode: 422, code: 'CORRUPT_IMAGE' });
    expect((err as Error).message).toMatch(reason);
    expect(decode).not.toHaveBeenCalled();
  });
});
