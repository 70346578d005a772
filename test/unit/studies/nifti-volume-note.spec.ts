import * as zlib from 'node:zlib';
import { fakeBrainModels, studyServiceOn } from '../../support/fake-brain-models';
import { writeNifti1 } from '../../support/nifti-fixtures';

/**
 * The answer on a 4-D NIfTI (fMRI, DWI) says which volume it is about: only the first is read, and
 * the answer otherwise read as if the whole run had been looked at. The one pipeline and the study
 * service run for real; only the models are faked (every slice a tumour-free brain).
 */
const service = () => studyServiceOn(fakeBrainModels());

const voxel = (i: number, j: number, k: number, t: number) => 200 + ((i * 3 + j * 5 + k * 11 + t) % 251);

describe('the answer on a 4-D NIfTI names the volume analysed', () => {
  it('a 300-volume .nii.gz: "Volume 1 of 300 analysed; the file\'s other 299 volumes were not looked at."', async () => {
    const r = await service().analyze([new Uint8Array(zlib.gzipSync(writeNifti1([64, 64, 6], voxel, { volumes: 300 })))]);
    expect(r).toMatchObject({ status: 'completed', study: { format: 'nifti', volumes: 300, sliceCount: 6 } });
    expect(r.message).toMatch(/ Volume 1 of 300 analysed; the file's other 299 volumes were not looked at\.$/);
  });

  it('two volumes: "the other volume was"; one volume: no note', async () => {
    const two = await service().analyze([new Uint8Array(writeNifti1([64, 64, 6], voxel, { volumes: 2 }))]);
    expect(two.message).toMatch(/ Volume 1 of 2 analysed; the file's other volume was not looked at\.$/);
    const one = await service().analyze([new Uint8Array(writeNifti1([64, 64, 6], (i, j, k) => voxel(i, j, k, 0)))]);
    expect(one.message).not.toMatch(/Volume/);
  });
});
