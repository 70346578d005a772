/**
 * A NIfTI slice's position is its distance along the slice axis in mm (the API's `position`, the
 * study page's "Slice 4 (3 mm)"), from the header's spacing between slices. Where the header has no
 * usable spacing (pixdim 0, negative or NaN: spacing.slice null), the loader gave the slice's index
 * instead — "Slice 4 (3 mm)" for a distance nobody knows. Unknown now reads null, as for a DICOM
 * series without positions.
 */
import { loadStudy } from '../../../src/studies/study-loader';
import { nifti1 } from '../../support/study-fixtures';

const LIMITS = { maxBytes: 100e6, maxSlices: 500, minSide: 16, maxPixels: 40e6 };
const voxel = (i: number, j: number, k: number) => (i + j + 10 * k) % 200;

async function positions(pixdim: [number, number, number]) {
  const study = await loadStudy([new Uint8Array(nifti1([32, 32, 4], voxel, { pixdim }))], LIMITS);
  if (study.kind !== 'slices') throw new Error('expected slices');
  return { slice: study.meta.spacing.slice, positions: study.slices.map((s) => s.position) };
}

describe('NIfTI slice positions', () => {
  it('are mm along the slice axis when the header gives the spacing between slices', async () => {
    await expect(positions([1, 1, 2.5])).resolves.toEqual({ slice: 2.5, positions: [0, 2.5, 5, 7.5] });
  });

  it('are unknown (null), not the slice index read as mm, when it does not', async () => {
    for (const bad of [0, -3, NaN]) {
      await expect(positions([1, 1, bad])).resolves.toEqual({ slice: null, positions: [null, null, null, null] });
    }
  });
});
