import { axcodesString, axisCodes, quaternToMatrix } from '../../../src/studies/nifti-orientation';
import { readNifti } from '../../../src/studies/nifti';
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import type { ScalarSlice } from '../../../src/studies/windowing';
import { matMul, meanOf, rotX, worldMarker, writeNifti1 } from '../../support/nifti-fixtures';

const POS = { file: 0, files: 1 };
const LIMITS: StudyLimits = { maxBytes: 100 * 1024 * 1024, maxSlices: 400, minSide: 64, maxPixels: 40_000_000 };
const read = (b: Buffer) => readNifti(new Uint8Array(b), POS, 400);
const img = (s: ScalarSlice) => ({ width: s.width, data: s.values });
const top = (s: ScalarSlice) => meanOf(img(s), 0, s.height / 2, 0, s.width);
const bottom = (s: ScalarSlice) => meanOf(img(s), s.height / 2, s.height, 0, s.width);
const left = (s: ScalarSlice) => meanOf(img(s), 0, s.height, 0, s.width / 2);
const right = (s: ScalarSlice) => meanOf(img(s), 0, s.height, s.width / 2, s.width);
const mean = (s: ScalarSlice) => meanOf(img(s), 0, s.height, 0, s.width);

const LPS = [[-1, 0, 0], [0, -1, 0], [0, 0, 1]];
const RAS = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
const LAS = [[-1, 0, 0], [0, 1, 0], [0, 0, 1]];
const LIA = [[-1, 0, 0], [0, 0, 1], [0, -1, 0]]; // FreeSurfer "conformed"
const anterior = (_x: number, y: number) => y > 3;
const superior = (_x: number, _y: number, z: number) => z > 3;
const patientRight = (x: number) => x > 3;

describe('NIfTI orientation: slices shown radiologically from the sform / qform', () => {
  const axial: [number, number, number] = [32, 32, 8];

  it('LPS (ITK, SimpleITK, ANTs) by sform: anterior at the top, patient\'s right on the left', () => {
    const a = read(writeNifti1(axial, worldMarker(LPS, axial, anterior), { sform: LPS }));
    expect(a.orientation).toEqual({ source: 'sform', axcodes: 'LPS', plane: 'axial' });
    expect(top(a.readSlice(4))).toBeGreaterThan(bottom(a.readSlice(4)) + 500);
    const r = read(writeNifti1(axial, worldMarker(LPS, axial, patientRight), { sform: LPS }));
    expect(left(r.readSlice(4))).toBeGreaterThan(right(r.readSlice(4)) + 500);
  });

  it('LPS by qform only (quaternion d = 1: 180° about z): anterior at the top', () => {
    const v = read(writeNifti1(axial, worldMarker(LPS, axial, anterior), { qform: { b: 0, c: 0, d: 1, qfac: 1 } }));
    expect(v.orientation).toEqual({ source: 'qform', axcodes: 'LPS', plane: 'axial' });
    expect(top(v.readSlice(4))).toBeGreaterThan(bottom(v.readSlice(4)) + 500);
  });

  it('RAS axial: the patient\'s right on the image\'s left, anterior at the top, slices inferior → superior', () => {
    const r = read(writeNifti1(axial, worldMarker(RAS, axial, patientRight), { sform: RAS }));
    expect(left(r.readSlice(4))).toBeGreaterThan(right(r.readSlice(4)) + 500);
    const a = read(writeNifti1(axial, worldMarker(RAS, axial, anterior), { sform: RAS }));
    expect(top(a.readSlice(4))).toBeGreaterThan(bottom(a.readSlice(4)) + 500);
    const s = read(writeNifti1(axial, worldMarker(RAS, axial, (_x, _y, z) => z > 0), { sform: RAS }));
    expect(mean(s.readSlice(7))).toBeGreaterThan(mean(s.readSlice(0)) + 500);
  });

  it('LIA (FreeSurfer) cut along k is coronal: superior at the top, right on the left, slices posterior → anterior', () => {
    const d: [number, number, number] = [32, 32, 32];
    const both = { sform: LIA, qform: { b: 0, c: 0, d: 0, qfac: 1 as const } }; // the sform wins over a (wrong) identity qform
    const s = read(writeNifti1(d, worldMarker(LIA, d, superior), both));
    expect(s.orientation).toEqual({ source: 'sform', axcodes: 'LIA', plane: 'coronal' });
    expect(s.sliceAxis).toBe(2);
    expect(top(s.readSlice(16))).toBeGreaterThan(bottom(s.readSlice(16)) + 500);
    const r = read(writeNifti1(d, worldMarker(LIA, d, patientRight), both));
    expect(left(r.readSlice(16))).toBeGreaterThan(right(r.readSlice(16)) + 500);
    const a = read(writeNifti1(d, worldMarker(LIA, d, (_x, y) => y > 0), both));
    expect(mean(a.readSlice(31))).toBeGreaterThan(mean(a.readSlice(0)) + 500);
  });

  it('sagittal (RAS, dim_info slice_dim = i): anterior on the left, superior at the top, slices right → left', () => {
    const d: [number, number, number] = [8, 32, 32];
    const o = { sform: RAS, sliceDim: 1 as const, pixdim: [4, 1, 1] as [number, number, number] };
    const a = read(writeNifti1(d, worldMarker(RAS, d, anterior), o));
    expect(a.orientation.plane).toBe('sagittal');
    expect([a.width, a.height, a.count]).toEqual([32, 32, 8]);
    expect(left(a.readSlice(4))).toBeGreaterThan(right(a.readSlice(4)) + 500);
    const s = read(writeNifti1(d, worldMarker(RAS, d, superior), o));
    expect(top(s.readSlice(4))).toBeGreaterThan(bottom(s.readSlice(4)) + 500);
    const r = read(writeNifti1(d, worldMarker(RAS, d, (x) => x > 0), o));
    expect(mean(r.readSlice(0))).toBeGreaterThan(mean(r.readSlice(7)) + 500);
  });
});

describe('NIfTI orientation: dcm2niix LAS and files without orientation keep the historical layout', () => {
  const d: [number, number, number] = [32, 40, 6];
  const vox = (i: number, j: number, k: number) => i + 2 * j + 100 * k;
  const plain = read(writeNifti1(d, vox));

  /** columns = i, rows = j with +j up, slices in k order: what the service always showed */
  function expectHistorical(v: ReturnType<typeof read>): void {
    expect([v.width, v.height, v.count, v.sliceAxis]).toEqual([32, 40, 6, 2]);
    for (let k = 0; k < 6; k++) {
      const s = v.readSlice(k).values;
      for (let row = 0; row < 40; row++) for (let col = 0; col < 32; col++) if (s[row * 32 + col] !== vox(col, 39 - row, k)) throw new Error(`slice ${k} (${col}, ${row}) differs`);
    }
  }

  it('no sform / qform (method 1): unchanged, orientation unknown', () => {
    expect(plain.orientation).toEqual({ source: 'none', axcodes: null, plane: null });
    expectHistorical(plain);
  });

  it('LAS by sform and by qform (qfac −1, as dcm2niix writes it): the same pixels as before', () => {
    const bySform = read(writeNifti1(d, vox, { sform: [[-0.9, 0, 0], [0, 0.9, 0], [0, 0, 5]] }));
    expect(bySform.orientation).toEqual({ source: 'sform', axcodes: 'LAS', plane: 'axial' });
    expectHistorical(bySform);
    const byQform = read(writeNifti1(d, vox, { qform: { b: 0, c: 1, d: 0, qfac: -1 } }));
    expect(byQform.orientation.axcodes).toBe('LAS');
    expectHistorical(byQform);
  });

  it('an oblique LAS (20° tilt about x) picks the nearest axes: same layout as plain LAS', () => {
    expectHistorical(read(writeNifti1(d, vox, { sform: matMul(rotX(20), LAS) })));
  });
});

describe('NIfTI orientation: axis codes', () => {
  it('obliques map to the nearest world axis (like nibabel aff2axcodes)', () => {
    expect(axcodesString(axisCodes(matMul(rotX(20), LAS))!)).toBe('LAS');
    expect(axcodesString(axisCodes(matMul(rotX(-35), RAS))!)).toBe('RAS');
    expect(axcodesString(axisCodes(matMul(rotX(70), LAS))!)).toBe('LSP'); // tilted past 45°: j is now closer to S
    expect(axcodesString(axisCodes([[0, 0, -2], [3, 0, 0], [0, -1, 0]])!)).toBe('AIL'); // spacing does not matter
  });

  it('a sheared sform (affine registration) takes the nearest rotation first, as nibabel io_orientation does', () => {
    // 5 %-sheared random obliques where picking on the sheared columns gave other codes;
    // expected: nibabel 5.4.2 aff2axcodes of the same matrices
    const sheared: [number[][], string][] = [
      [[[-0.222063, 1.0042766, 2.0262443], [-0.6129859, -1.1129868, 0.899848], [0.5807086, -0.7486923, 1.2645778]], 'SPR'],
      [[[-0.8906025, 0.5340707, 0.439966], [-0.1314236, -1.7089373, 0.3037229], [0.894371, 0.4749106, 0.4905248]], 'LPS'],
      [[[-0.862789, -0.6651103, 0.2042616], [0.4345573, -0.5118443, -2.0413215], [0.5933076, -0.5873375, 2.0664404]], 'LIP'],
    ];
    for (const [m, codes] of sheared) expect(axcodesString(axisCodes(m)!)).toBe(codes);
    // an orthogonal matrix is its own nearest rotation: codes as before
    expect(axcodesString(axisCodes(matMul(rotX(44), LAS))!)).toBe('LAS');
  });

  it('the quaternion matrix follows nifti1_io (qfac flips k; |b,c,d| ≥ 1 is normalised)', () => {
    expect(axcodesString(axisCodes(quaternToMatrix([0, 0, 0], 1))!)).toBe('RAS');
    expect(axcodesString(axisCodes(quaternToMatrix([0, 0, 0], -1))!)).toBe('RAI');
    expect(axcodesString(axisCodes(quaternToMatrix([0, 0, 1.0000001], 1))!)).toBe('LPS');
  });

  it('a NaN, zero or singular matrix has no codes', () => {
    expect(axisCodes([[NaN, 0, 0], [0, 1, 0], [0, 0, 1]])).toBeNull();
    expect(axisCodes([[0, 0, 0], [0, 0, 0], [0, 0, 0]])).toBeNull();
    expect(axisCodes([[1, 1, 0], [0, 0, 0], [0, 0, 1]])).toBeNull();
    expect(axisCodes([[1, 0, 0], [0, Infinity, 0], [0, 0, 1]])).toBeNull();
  });
});

describe('NIfTI orientation: a corrupt affine falls back instead of failing', () => {
  const d: [number, number, number] = [64, 64, 4];
  const vox = (i: number, j: number, k: number) => i + 2 * j + 100 * k;
  const historical = read(writeNifti1(d, vox));
  const cases: [string, Parameters<typeof writeNifti1>[2]][] = [
    ['NaN sform', { sform: [[NaN, 0, 0], [0, 1, 0], [0, 0, 1]] }],
    ['zero sform', { sform: [[0, 0, 0], [0, 0, 0], [0, 0, 0]] }],
    ['singular sform', { sform: [[1, 1, 0], [0, 0, 0], [0, 0, 1]] }],
    ['NaN quaternion', { qform: { b: NaN, c: 0, d: 0, qfac: 1 } }],
  ];
  it.each(cases)('%s → the historical layout, and loadStudy still answers', async (_name, spec) => {
    const v = read(writeNifti1(d, vox, spec));
    expect(v.orientation.source).toBe('none');
    for (let k = 0; k < 4; k++) expect(Array.from(v.readSlice(k).values)).toEqual(Array.from(historical.readSlice(k).values));
    const study = await loadStudy([new Uint8Array(writeNifti1(d, vox, spec))], LIMITS);
    expect(study.kind).toBe('slices');
  });

  it('a broken sform next to a usable qform: the qform orients', () => {
    const v = read(writeNifti1(d, vox, { sform: [[0, 0, 0], [0, 0, 0], [0, 0, 0]], qform: { b: 0, c: 0, d: 1, qfac: 1 } }));
    expect(v.orientation).toEqual({ source: 'qform', axcodes: 'LPS', plane: 'axial' });
  });
});

describe('NIfTI non-finite values', () => {
  // a float map: 60 % NaN background, tissue 1000..3000, one +Inf and one −Inf voxel in the tissue
  const d: [number, number, number] = [64, 64, 4];
  const nanRows = Math.round(64 * 0.6);
  const value = (i: number, j: number, k: number) => {
    if (j < nanRows) return NaN;
    if (i === 5 && j === 50 && k === 1) return Infinity;
    if (i === 9 && j === 50 && k === 1) return -Infinity;
    return 1000 + (2000 * ((i * 7 + j * 13 + k * 5) % 97)) / 96;
  };

  it('NaN background stays out of the window (tissue keeps ~0..255); NaN and ±Inf black (the low end: nifti-values.ts)', async () => {
    const study = await loadStudy([new Uint8Array(writeNifti1(d, value, { datatype: 'float32' }))], LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    const s = study.slices[1].image.data;
    // historical layout (no orientation): row = 63 − j, column = i
    const at = (i: number, j: number) => s[(63 - j) * 64 + i];
    const tissue: number[] = [];
    for (let j = nanRows; j < 64; j++) for (let i = 0; i < 64; i++) if (Number.isFinite(value(i, j, 1))) tissue.push(at(i, j));
    expect(Math.min(...tissue)).toBeLessThanOrEqual(5);
    expect(Math.max(...tissue)).toBeGreaterThanOrEqual(250);
    expect(at(20, 10)).toBe(0);
    expect(at(5, 50)).toBe(0); // +Inf too: a broken value, not bright tissue (it was drawn white)
    expect(at(9, 50)).toBe(0);
  });

  it('readSlice hands NaN / ±Inf to the windowing as NaN (not 0, which would enter the window)', () => {
    const v = read(writeNifti1(d, value, { datatype: 'float32' }));
    const s = v.readSlice(1).values;
    expect(Number.isNaN(s[63 * 64])).toBe(true);
    expect(s[(63 - 50) * 64 + 5]).toBeNaN();
    expect(s[(63 - 50) * 64 + 9]).toBeNaN();
  });
});
