/**
 * A NIfTI volume compressed other than by one gzip layer, over HTTP: a .nii.gz gzipped again is
 * analysed as the .nii.gz; a bare zlib stream is a 415 that names it and says what to do (it was
 * "not a DICOM, NIfTI or ZIP file"). src/studies/nifti-compression.ts; unit cases in
 * test/unit/studies/nifti-compression.spec.ts.
 */
import * as zlib from 'node:zlib';
import request from 'supertest';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { nifti1 } from '../support/study-fixtures';

describe('POST /api/v1/studies: NIfTI in other compressions', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR }, sessions: { alice: {} } });
  const { alice } = h.sessions;
  const nii = nifti1([128, 128, 4], (i, j, k) => 900 + ((i + j + k) % 40), { sliceDim: 3 });
  const post = (bytes: Buffer, name: string) => request(h.server).post('/api/v1/studies').set(alice.bearer).attach('files', bytes, name);

  it('a .nii.gz gzipped again → the answer of the .nii.gz', async () => {
    const once = await post(zlib.gzipSync(nii), 'brain.nii.gz').expect(200);
    const twice = await post(zlib.gzipSync(zlib.gzipSync(nii)), 'brain.nii.gz').expect(200);
    expect(twice.body.study).toMatchObject({ format: 'nifti', sliceCount: 4 });
    const shown = (body: { slices: { thumbnailPng: string; probabilities: unknown }[] }) => body.slices.map((s) => [s.thumbnailPng, s.probabilities]);
    expect(shown(twice.body)).toHaveLength(4);
    expect(shown(twice.body)).toEqual(shown(once.body));
  });

  it('a zlib-compressed .nii → 415 UNSUPPORTED_TYPE naming zlib and what to do', async () => {
    const res = await post(zlib.deflateSync(nii), 'brain.nii.z').expect(415);
    expect(res.body.code).toBe('UNSUPPORTED_TYPE');
    expect(res.body.message).toMatch(/NIfTI volume compressed as a zlib stream, not gzip/);
    expect(res.body.message).toMatch(/gzip volume\.nii → volume\.nii\.gz/);
  });
});
