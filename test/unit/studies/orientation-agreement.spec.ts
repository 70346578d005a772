import { createHash } from 'node:crypto';
import { frameLayout, orientFrame } from '../../../src/studies/dicom-orientation';
import { LoadedStudy, loadStudy } from '../../../src/studies/study-loader';
import { LIMITS } from '../../support/disc-phantom';
import { Acquisition, asDicom, asNifti, expectedRanks, foundRanks } from '../../support/orientation-phantom';

/**
 * Every orientation a real study can be acquired and stored in reaches the models — and so the heat
 * map and the thumbnails, which are drawn from the same slices — the way the models were trained and
 * radiologists read: axial with the patient's right on the image's left and anterior at the top,
 * coronal with right on the left and superior at the top, sagittal with anterior on the left and
 * superior at the top; slices inferior → superior, posterior → anterior, right → left. One phantom
 * (orientation-phantom.ts: four quadrants of different brightness in every plane, brighter towards
 * anterior, superior and left) is acquired in each orientation and written as a DICOM series (files
 * in slice order, reversed, shuffled), as one Enhanced MR object (frames reversed), and as NIfTI
 * (sform, qform, both, voxels stored in other orders): all of them must give the same slices.
 */

type Plane = 'axial' | 'coronal' | 'sagittal';
const deg = (d: number) => (d * Math.PI) / 180;
const [c15, s15, c42, s42] = [Math.cos(deg(15)), Math.sin(deg(15)), Math.cos(deg(42)), Math.sin(deg(42))];

/**
 * ImageOrientationPatient (LPS) of each acquisition, and the plane it is shown as. Near 45° a plane
 * cuts the phantom's halves obliquely, so its quadrants no longer follow the axes: that case is
 * checked for agreement between the formats and for its slice order only.
 */
const ACQUISITIONS: [string, number[], Plane | 'oblique'][] = [
  ['axial, as scanners store it', [1, 0, 0, 0, 1, 0], 'axial'],
  ['axial, rotated 180° (rows towards R, columns towards A)', [-1, 0, 0, 0, -1, 0], 'axial'],
  ['axial, transposed (rows towards P, columns towards L)', [0, 1, 0, 1, 0, 0], 'axial'],
  ['coronal, as scanners store it', [1, 0, 0, 0, 0, -1], 'coronal'],
  ['coronal, upside down (columns towards S)', [1, 0, 0, 0, 0, 1], 'coronal'],
  ['sagittal, as scanners store it (anterior on the left)', [0, 1, 0, 0, 0, -1], 'sagittal'],
  ['sagittal, facing right (rows towards A)', [0, -1, 0, 0, 0, -1], 'sagittal'],
  ['sagittal, transposed (rows towards I, columns towards P)', [0, 0, -1, 0, 1, 0], 'sagittal'],
  ['axial, 15° oblique about the left–right axis', [1, 0, 0, 0, c15, -s15], 'axial'],
  ['coronal, 42° oblique about the superior–inferior axis', [c42, s42, 0, 0, 0, -1], 'oblique'],
];

const SIZE: [number, number, number] = [48, 40, 8];
/** 0.5 mm between columns, 1.0 mm between rows: a transposed slice must be stretched along its other axis */
const SPACING: [number, number, number] = [0.5, 1, 3];

function slicesOf(study: LoadedStudy) {
  if (study.kind !== 'slices') throw new Error(`expected slices, got ${study.kind}`);
  return study.slices.map((s) => s.image);
}

const loadStudyOf = (files: Buffer[]) => loadStudy(files.map((b) => new Uint8Array(b)), LIMITS);
const load = async (files: Buffer[]) => slicesOf(await loadStudyOf(files));
const digest = (img: { width: number; height: number; data: Uint8Array }) => `${img.width}x${img.height}:${createHash('sha1').update(img.data).digest('hex').slice(0, 12)}`;
const mean = (img: { data: Uint8Array }) => img.data.reduce((s, v) => s + v, 0) / img.data.length;

describe.each(ACQUISITIONS)('%s', (_name, iop, plane) => {
  const acq: Acquisition = { iop, size: SIZE, spacing: SPACING };
  let reference: string[];

  beforeAll(async () => {
    reference = (await load([asNifti(acq)])).map(digest);
  });

  it(`NIfTI (sform): shown as ${plane}, the right way up and round, with square pixels, slices in order`, async () => {
    const slices = await load([asNifti(acq)]);
    expect(slices).toHaveLength(SIZE[2]);
    for (const s of slices) {
      if (plane !== 'oblique') expect(foundRanks(s)).toEqual(expectedRanks(plane));
      expect([s.width, s.height].sort()).toEqual([48, 80]); // 48 × 0.5 mm by 40 × 1.0 mm, at 0.5 mm a pixel
    }
    // towards superior (axial), anterior (coronal) or left (sagittal): each makes the phantom brighter
    expect(mean(slices[SIZE[2] - 1])).toBeGreaterThan(mean(slices[0]) + 10);
  });

  it('a DICOM series gives the same slices, whatever order its files come in, ordered by position', async () => {
    for (const order of ['forward', 'reversed', 'shuffled'] as const) {
      const study = await loadStudyOf(asDicom(acq, { order }));
      expect(slicesOf(study).map(digest)).toEqual(reference);
      if (study.kind !== 'slices') return;
      expect(study.meta.ordering).toBe('position');
      const positions = study.slices.map((s) => s.position!);
      expect(positions).toEqual([...positions].sort((a, b) => a - b)); // the positions shown with each slice ascend with its index
    }
  });

  it('an Enhanced MR object (per-frame orientation, frames stored in reverse) gives the same slices', async () => {
    expect((await load(asDicom(acq, { enhanced: true, order: 'reversed' }))).map(digest)).toEqual(reference);
  });

  it('NIfTI by qform only, by both, and stored in other voxel orders gives the same slices', async () => {
    const variants = [asNifti(acq, { form: 'qform' }), asNifti(acq, { form: 'both' }), asNifti(acq, { flip: ['j', 'k'] }), asNifti(acq, { flip: ['i'], form: 'qform' })];
    for (const v of variants) expect((await load([v])).map(digest)).toEqual(reference);
  });
});

describe('NIfTI: the volume and the orientation a viewer would take', () => {
  const axial: Acquisition = { iop: [1, 0, 0, 0, 1, 0], size: SIZE, spacing: SPACING };

  it('a negative pixdim does not mirror a qform-oriented volume (nifti1_io takes it as 1; its spacing is unknown)', async () => {
    const file = asNifti(axial, { form: 'qform' });
    file.writeFloatLE(-SPACING[0], 80); // pixdim[1]
    const slices = await load([file]);
    for (const s of slices) expect(foundRanks(s)).toEqual(expectedRanks('axial'));
    expect([slices[0].width, slices[0].height]).toEqual([48, 40]); // shown as stored: no usable column spacing
  });

  it('a 4-D file: only the first volume is analysed (its mirror image in the second is not)', async () => {
    const ref = (await load([asNifti(axial)])).map(digest);
    expect((await load([asNifti(axial, { volumes: 3 })])).map(digest)).toEqual(ref);
  });
});

describe('orientFrame', () => {
  it('moves whole pixels of a colour frame: sagittal stored with rows head → feet is transposed', async () => {
    const layout = frameLayout([0, 0, -1, 0, 1, 0]); // rows towards I, columns towards P
    expect(layout).toMatchObject({ plane: 'sagittal', transpose: true, flipColumns: false, flipRows: false });
    // 3 columns × 2 rows, RGB, pixel (x, y) = [10x + y, 100, 200]
    const rgb = Uint8Array.from({ length: 18 }, (_, n) => [10 * ((n / 3 | 0) % 3) + ((n / 9) | 0), 100, 200][n % 3]);
    const out = await orientFrame(rgb, 3, 2, 3, layout);
    expect([out.width, out.height]).toEqual([2, 3]);
    // shown (x, y) is stored (column y, row x)
    expect(Array.from(out.data)).toEqual([0, 100, 200, 1, 100, 200, 10, 100, 200, 11, 100, 200, 20, 100, 200, 21, 100, 200]);
  });

  it('the usual axial frame, or none known, is the stored array itself', async () => {
    const v = new Float32Array(12);
    expect((await orientFrame(v, 4, 3, 1, frameLayout([1, 0, 0, 0, 1, 0]))).data).toBe(v);
    expect((await orientFrame(v, 4, 3, 1, frameLayout(null))).data).toBe(v);
    expect(frameLayout([1, 0, 0, 1, 0, 0])).toBeNull(); // parallel directions: no plane
  });

  it('a large frame is turned in bands, pausing between them (the event loop gets its turns)', async () => {
    const pause = jest.fn(async () => undefined);
    const out = await orientFrame(new Float32Array(2048 * 1024), 2048, 1024, 1, frameLayout([-1, 0, 0, 0, -1, 0]), pause);
    expect([out.width, out.height]).toEqual([2048, 1024]);
    expect(pause).toHaveBeenCalledTimes(1); // 2 M pixels: one pause between the two 1 M bands
  });
});
