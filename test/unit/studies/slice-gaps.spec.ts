import { gapNote, sliceGaps, unevenNote, unevenSteps } from '../../../src/studies/slice-gaps';

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

describe('unevenSteps / unevenNote: a step unlike the series\' spacing that is no gap', () => {
  it('0, 5, 10, 12.5 mm: no gap, but slices 3 and 4 are 2.5 mm apart, where the spacing is 5 mm', () => {
    // before: nothing said; the slices were shown and read as neighbours 5 mm apart
    const p = [0, 5, 10, 12.5];
    expect(sliceGaps(p)).toEqual([]);
    expect(unevenSteps(p)).toEqual([{ afterSlice: 3, distanceMm: 2.5 }]);
    expect(unevenNote(unevenSteps(p), 5)).toBe(
      "The slices are unevenly spaced: between slices 3 and 4 (2.5 mm apart); the series' spacing is 5 mm. Slices there were read as neighbours at that spacing.",
    );
  });

  it('a step 1.3 × the spacing is uneven too; a gap (over 1.5 ×) is the gap note\'s, not this one\'s', () => {
    expect(unevenSteps([0, 5, 10, 16.5, 21.5])).toEqual([{ afterSlice: 3, distanceMm: 6.5 }]);
    expect(unevenSteps([0, 5, 10, 15, 30, 35])).toEqual([]);
  });

  it('nothing for an even series, steps varying by a few %, without positions or with fewer than three', () => {
    expect(unevenSteps([0, 5, 10, 15, 20])).toEqual([]);
    expect(unevenSteps([0, 5.2, 10.1, 15.3, 20.2])).toEqual([]);
    expect(unevenSteps([0, 5, null, 12.5])).toEqual([]);
    expect(unevenSteps([0, 2.5])).toEqual([]);
    expect(unevenSteps([3, 3, 3])).toEqual([]);
    expect(unevenNote([], 5)).toBeNull();
  });

  it('names the first three places, then how many more', () => {
    const many = [1, 3, 5, 7].map((afterSlice) => ({ afterSlice, distanceMm: 2 }));
    expect(unevenNote(many, null)).toBe(
      'The slices are unevenly spaced: between slices 1 and 2 (2 mm apart), between slices 3 and 4 (2 mm apart), between slices 5 and 6 (2 mm apart) and 1 more place. Slices there were read as neighbours at the series\' usual spacing.',
    );
  });
});
