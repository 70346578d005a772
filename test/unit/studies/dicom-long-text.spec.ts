import * as deidentify from '../../../src/studies/deidentify';
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { CorruptStudyError } from '../../../src/studies/study-errors';
import { el, mrDicom } from '../../support/dicom-pixel-fixtures';

const LIMITS: StudyLimits = { maxBytes: 64 * 1024 * 1024, maxSlices: 50, minSide: 16, maxPixels: 1_000_000 };

/**
 * scrubDescription's work is tokens × length: a 3 MB file with a 128,000-part patient name and a
 * 2 MB description held the event loop for 16 s, and it grows with the square of the file. What is
 * handed to it is now bounded per value (1,024 characters; a valid LO holds 64, a PN about 200).
 */
describe('long identifier and description values', () => {
  afterEach(() => jest.restoreAllMocks());

  it('hands scrubDescription at most 1,024 characters of each value, however long the tags are', async () => {
    const scrub = jest.spyOn(deidentify, 'scrubDescription');
    const name = Array.from({ length: 20_000 }, (_, i) => `P${i}Q`).join('^');
    const file = mrDicom({
      rows: 16,
      columns: 16,
      bitsAllocated: 8,
      words: new Array(256).fill(9),
      // UT: a 32-bit length, as a hostile file may give any tag
      extra: [el.str(0x00100010, 'UT', name), el.str(0x0008103e, 'UT', `AX T2 ${name.replace(/\^/g, ' ')}`)],
    });
    const study = await loadStudy([new Uint8Array(file)], LIMITS);
    expect(study.kind).toBe('slices');
    expect(scrub).toHaveBeenCalledTimes(1);
    const [description, identifiers] = scrub.mock.calls[0];
    expect(description.length).toBeLessThanOrEqual(1024);
    expect(Math.max(...identifiers.map((v) => v.length))).toBeLessThanOrEqual(1024);
    // still scrubbed: the name's tokens are not shown
    expect(study.meta.seriesDescription).toBe('AX T2');
  });
});

/**
 * dicom-parser builds a string one character at a time and splits a multi-valued one again for
 * every value read: a 4 MB Image Orientation of "1.5\\…" held the event loop 2.9 s, any 4 MB value of a
 * tag read as text ~0.3 s. No valid value of those tags is near 1 KB, so a longer one is refused.
 */
describe('overlong values of tags read as text', () => {
  const slice = (extra: ReturnType<typeof el.str>[]) =>
    new Uint8Array(mrDicom({ rows: 16, columns: 16, bitsAllocated: 8, words: new Array(256).fill(9), extra }));

  it.each([
    ['Image Orientation (Patient), 40 KB of "1.5\\"', el.str(0x00200037, 'UT', '1.5\\'.repeat(10_000))],
    ['Window Center nested in a per-frame functional group', el.sq(0x52009230, [[el.sq(0x00289132, [[el.str(0x00281050, 'UT', '1'.repeat(2000))]])]])],
  ])('%s → 422 CorruptStudyError', async (_, bad) => {
    const err = await loadStudy([slice([bad])], LIMITS).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptStudyError);
  });

  it.each([
    ['Window Center in the shared functional groups', el.sq(0x52009229, [[el.sq(0x00289132, [[el.str(0x00281050, 'UT', '1'.repeat(2000))]])]])],
    ['Image Orientation in a per-frame Plane Orientation', el.sq(0x52009230, [[el.sq(0x00209116, [[el.str(0x00200037, 'UT', '1.5\\'.repeat(10_000))]])]])],
  ])('%s (read there) → 422 CorruptStudyError', async (_, bad) => {
    const err = await loadStudy([slice([bad])], LIMITS).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptStudyError);
  });

  // the check walked every depth, so a valid file was refused for a long value it never reads
  it.each([
    ['a 40 KB Image Orientation in a Referenced Image Sequence item', el.sq(0x00081140, [[el.str(0x00081150, 'UI', '1.2.3'), el.str(0x00200037, 'UT', '1.5\\'.repeat(10_000))]])],
    ['a 2 KB Window Center two sequences deep (Source Image > Purpose of Reference)', el.sq(0x00082112, [[el.sq(0x0040a170, [[el.str(0x00281050, 'UT', '1'.repeat(2000))]])]])],
    ['a 2 KB Series Instance UID in a private sequence', el.sq(0x00091010, [[el.str(0x0020000e, 'UT', '1.'.repeat(1000))]])],
    ['a 2 KB Window Width in a second item of a per-frame macro (only the first is read)', el.sq(0x52009230, [[el.sq(0x00289132, [[el.ds(0x00281050, 40), el.ds(0x00281051, 400)], [el.str(0x00281051, 'UT', '1'.repeat(2000))]])]])],
  ])('%s (not read there) → the file is read', async (_, nested) => {
    const study = await loadStudy([slice([nested])], LIMITS);
    expect(study.kind).toBe('slices');
  });

  it('a long but valid multi-valued window (40 values) is read', async () => {
    const study = await loadStudy([slice([el.ds(0x00281050, ...new Array(40).fill(9.5)), el.ds(0x00281051, ...new Array(40).fill(100))])], LIMITS);
    expect(study.kind === 'slices' && study.meta.windowing).toBe('header');
  });
});
