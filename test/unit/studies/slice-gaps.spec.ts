import { gapNote, sliceGaps } from '../../../src/studies/slice-gaps';

describe('sliceGaps: slices missing between the positions of a series', () => {
  it('a whole series at 5 mm, or one whose steps vary by a few %, has none', () => {
    expect(sliceGaps([0, 5, 10, 15, 20])).toEqual([]);
    expect(sliceGaps([0, 5.2, 10.1, 15.3, 20.2])).toEqual([]);
  });

  it('two slices left out after the 4th: one gap of 15 mm, about 2 slices', () => {
    expect(sliceGaps([0, 5, 10, 15, 30, 35])).toEqual([{ afterSlice: 4, distanceMm: 15, missingSlices: 2 }]);
  });

  it('one slice left out, in two places; positions in descending order count the same', () => {
    expect(sliceGaps([0, 4, 8, 16, 20, 28])).toEqual([
      { afterSlice: 3, distanceMm: 8, missingSlices: 1 },
      { afterSlice: 5, distanceMm: 8, missingSlices: 1 },
    ]);
    expect(sliceGaps([35, 30, 15, 10, 5, 0])).toEqual([{ afterSlice: 2, distanceMm: 15, missingSlices: 2 }]);
  });

  it('nothing to say without positions, with fewer than three, or when every step is 0', () => {
    expect(sliceGaps([0, 5, null, 15])).toEqual([]);
    expect(sliceGaps([0, 50])).toEqual([]);
    expect(sliceGaps([3, 3, 3])).toEqual([]);
  });
});

describe('gapNote', () => {
  it('says how many, where, the spacing, and what it means; nothing when no slice is missing', () => {
    expect(gapNote([], 5)).toBeNull();
    expect(gapNote([{ afterSlice: 4, distanceMm: 15, missingSlices: 2 }], 5)).toBe(
      "About 2 slices are missing from this series: between slices 4 and 5 (15 mm apart); the series' spacing is 5 mm. Nothing there was looked at; upload the whole series to include it.",
    );
    const many = [1, 3, 5, 7, 9].map((afterSlice) => ({ afterSlice, distanceMm: 8, missingSlices: 1 }));
    expect(gapNote(many, null)).toBe(
      'About 5 slices are missing from this series: between slices 1 and 2 (8 mm apart), between slices 3 and 4 (8 mm apart), between slices 5 and 6 (8 mm apart) and 2 more places. Nothing there was looked at; upload the whole series to include it.',
    );
  });
});
