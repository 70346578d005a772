/**
 * Which way round a study's slices — and the heat maps drawn over them — are shown. Every slice is
 * turned to radiological convention when its orientation is known (the patient's right on the
 * image's left, for axial and coronal slices); one whose orientation is unknown is shown as stored,
 * and then left and right cannot be told. The answer said neither, so a map hot on the image's
 * left could be read as the patient's left. `study.plane` now says which: the plane shown in
 * radiological convention, or null.
 */
import { loadStudy } from '../../../src/studies/study-loader';
import { LIMITS, slices } from '../../support/study-loader-cases';
import { writeNifti1 } from '../../support/nifti-fixtures';
import { dicomSeries, nifti1 } from '../../support/study-fixtures';

async function planeOf(files: Buffer[]) {
  const study = await loadStudy(files.map((b) => new Uint8Array(b)), LIMITS);
  if (study.kind !== 'slices') throw new Error('expected slices');
  return study.meta.plane;
}

describe('a study says the plane its slices are shown in, radiologically, or that it is unknown', () => {
  it('DICOM axial (ImageOrientationPatient 1\\0\\0\\0\\1\\0)', async () => {
    await expect(planeOf(dicomSeries(slices(3)))).resolves.toBe('axial');
  });

  it.each([
    ['axial', [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]],
    // the third voxel axis runs anterior: coronal slices
    ['coronal', [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]]],
  ])('NIfTI with an sform: %s', async (plane, sform) => {
    await expect(planeOf([writeNifti1([64, 64, 4], (i, j, k) => i + j + k, { sform, sliceDim: 3 })])).resolves.toBe(plane);
  });

  it('NIfTI without sform or qform: unknown (shown as stored)', async () => {
    await expect(planeOf([nifti1([64, 64, 4], (i, j, k) => i + j + k, { sliceDim: 3 })])).resolves.toBeNull();
  });
});
