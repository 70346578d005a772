import type { RawImage } from '../../../src/inference/preprocess';
import { fakeBrainModels, studyServiceOn, TUMOUR_FREE } from '../../support/fake-brain-models';
import { dicomSeries, dicomSlice, nifti1, syntheticSlice } from '../../support/study-fixtures';

/**
 * A finding must be confirmed by two slices near each other in the series (a lesion spans
 * neighbouring slices; a model's misreadings of tumour-free slices fall anywhere). That needs the
 * slice order: from positions or instance numbers it is known; files with neither are taken in
 * upload (or stored) order, which need not be anatomy's — there any two slices confirm, as before.
 */
const GLIOMA = [0.85, 0.05, 0.05, 0.05];
const PER_SLICE = Array.from({ length: 12 }, (_, i) => (i === 2 || i === 9 ? GLIOMA : TUMOUR_FREE));

function setUp(perSlice: number[][] = PER_SLICE) {
  // slices are sent to the models in series order: the first sight of an image object numbers it
  const sliceOf = new Map<RawImage, number>();
  const service = studyServiceOn(
    fakeBrainModels({
      seen: (image) => {
        if (!sliceOf.has(image)) sliceOf.set(image, sliceOf.size);
      },
      diagnosis: (image) => perSlice[sliceOf.get(image)!],
    }),
  );
  return service;
}
const image = (k: number) => syntheticSlice(64, 64, (x, y) => (x * 3 + y * 5 + k * 11) % 251);

describe('a finding\'s confirming slices must be neighbours where the slice order is known', () => {
  it('ordered by position: two confident slices 7 apart are not a finding (inconclusive, the first shown)', async () => {
    const files = dicomSeries(PER_SLICE.map((_, k) => image(k)), { window: false }).map((b) => new Uint8Array(b));
    const r = await setUp().analyze(files);
    expect(r.study.ordering).toBe('position');
    expect(r).toMatchObject({ status: 'inconclusive', code: 'SLICE_DISAGREEMENT', label: null });
    expect(r.study.aggregation?.pairWithin).toBe(2);
  });

  it('ordered by position with slices missing: two confident slices adjacent in the series but 5 missing slices apart are not a finding', async () => {
    // 5 mm steps, 30 mm between the 6th and 7th file: about 5 slices missing there (slice-gaps.ts)
    const per = Array.from({ length: 12 }, (_, i) => (i === 5 || i === 6 ? GLIOMA : TUMOUR_FREE));
    const z = (k: number) => k * 5 + (k > 5 ? 25 : 0);
    const files = per.map((_, k) => new Uint8Array(dicomSlice(image(k), { window: false, z: z(k), instanceNumber: k + 1 })));
    const r = await setUp(per).analyze(files);
    expect(r.study.ordering).toBe('position');
    expect(r.study.gaps).toEqual([{ afterSlice: 6, distanceMm: 30, missingSlices: 5 }]);
    expect(r).toMatchObject({ status: 'inconclusive', code: 'SLICE_DISAGREEMENT', label: null });
    expect(r.study.aggregation?.pairWithin).toBe(2);
    // the same two slices with the series whole: a finding
    const whole = await setUp(per).analyze(per.map((_, k) => new Uint8Array(dicomSlice(image(k), { window: false, z: k * 5, instanceNumber: k + 1 }))));
    expect(whole).toMatchObject({ status: 'completed', label: 'glioma' });
  });

  it('ordered by instance number (no geometry, files sent shuffled): the neighbour rule holds too', async () => {
    const files = dicomSeries(PER_SLICE.map((_, k) => image(k)), { window: false, geometry: false }).map((b) => new Uint8Array(b));
    const shuffled = files.map((f, k) => files[(k * 5) % files.length]);
    const r = await setUp().analyze(shuffled);
    expect(r.study.ordering).toBe('instance_number');
    expect(r).toMatchObject({ status: 'inconclusive', code: 'SLICE_DISAGREEMENT', label: null });
    expect(r.study.aggregation?.pairWithin).toBe(2);
  });

  it('a NIfTI volume (its axis is the order): the neighbour rule holds too', async () => {
    const vol = nifti1([64, 64, PER_SLICE.length], (i, j, k) => (i * 3 + j * 5 + k * 11) % 251);
    const r = await setUp().analyze([new Uint8Array(vol)]);
    expect(r.study.ordering).toBe('nifti_axis');
    expect(r).toMatchObject({ status: 'inconclusive', code: 'SLICE_DISAGREEMENT', label: null });
    expect(r.study.aggregation?.pairWithin).toBe(2);
  });

  it('in stored order (a classic multi-frame file: no position per frame): the same two slices are a finding, as before', async () => {
    const frames = PER_SLICE.map((_, k) => image(k));
    const tall = { width: 64, height: 64 * frames.length, data: Uint8Array.from(frames.flatMap((f) => [...f.data])) };
    const files = [new Uint8Array(dicomSlice(tall, { window: false, numberOfFrames: frames.length }))];
    const r = await setUp().analyze(files);
    expect(r.study.ordering).toBe('upload_order');
    expect(r).toMatchObject({ status: 'completed', label: 'glioma' });
    expect(r.study.aggregation?.pairWithin).toBeNull();
    expect([...r.study.aggregation!.decisiveSlices].sort((a, b) => a - b)).toEqual([2, 9]);
  });
});
