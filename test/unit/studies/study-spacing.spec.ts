/**
 * A study reports only spacings that are distances: a DICOM Pixel Spacing or Slice Thickness of
 * zero, below zero or not a number is "unknown" (null), as the NIfTI reader already had it. It was
 * stored and shown as "row -1 mm" / "column 0 mm" (history page, PDF, CSV) beside slices analysed
 * as assumed-square pixels because that very spacing was unusable.
 */
import { loadStudy } from '../../../src/studies/study-loader';
import { el, mrDicom } from '../../support/dicom-pixel-fixtures';
import { LIMITS } from '../../support/study-loader-cases';
import { writeNifti1 } from '../../support/nifti-fixtures';

const words = Array.from({ length: 64 * 64 }, (_, i) => (i * 37) % 4096);
const slice = (extra: ReturnType<typeof el.ds>[]) => new Uint8Array(mrDicom({ rows: 64, columns: 64, bitsAllocated: 16, bitsStored: 12, words, extra }));

describe('study spacing: only distances above zero', () => {
  it.each([
    ['negative', [-1, 0.5], -2],
    ['zero', [0, 0], 0],
  ])('a %s Pixel Spacing and Slice Thickness are unknown, not shown as millimetres', async (_, pixel, thickness) => {
    const study = await loadStudy([slice([el.ds(0x00280030, ...pixel), el.ds(0x00180050, thickness)])], LIMITS);
    expect(study.meta.spacing).toEqual({ column: pixel[1] > 0 ? pixel[1] : null, row: null, slice: null });
    expect(study.meta.display?.pixels).toBe('assumed_square');
  });

  it('usable ones are kept as the header says', async () => {
    const study = await loadStudy([slice([el.ds(0x00280030, 0.9, 0.8), el.ds(0x00180050, 5)])], LIMITS);
    expect(study.meta.spacing).toEqual({ column: 0.8, row: 0.9, slice: 5 });
  });
});

describe('slice positions so far out that their projection overflows (DS allows "1e308")', () => {
  const series = (zs: number[]) =>
    zs.map((z, k) => new Uint8Array(mrDicom({ rows: 64, columns: 64, bitsAllocated: 16, bitsStored: 12, words, z, instanceNumber: k + 1, extra: [el.str(0x00080018, 'UI', `1.2.3.${k}`)] })));

  it.each([
    ['−1e308, 0, 1e308', [-1e308, 0, 1e308]],
    ['1e308, 5e307, 0 (two at +Infinity)', [1e308, 5e307, 0]],
  ])('%s: ordered as if they had no position, no spacing of Infinity', async (_, zs) => {
    const study = await loadStudy(series(zs), LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.ordering).toBe('instance_number');
    expect(study.meta.spacing.slice).toBeNull();
    expect(study.slices.map((s) => s.position)).toEqual([null, null, null]);
  });
});

/**
 * A NIfTI header gives its spacing in xyzt_units (metres, mm, microns); the study reports mm (history,
 * PDF and CSV print "mm"). A header in metres was reported as "column 0.0009 mm", one in microns as
 * "900 mm"; unknown units (0) are mm, as nifti1.h and nibabel take them.
 */
describe('NIfTI spacing in mm whatever xyzt_units says', () => {
  const withUnits = (units: number, pixdim: [number, number, number]) => {
    const b = writeNifti1([64, 64, 4], (i, j, k) => 100 + i + j + 10 * k, { pixdim });
    b.writeUInt8(units | 8, 123); // spatial code in bits 0-2, seconds in 3-5
    return new Uint8Array(b);
  };
  it.each([
    ['metres', 1, [0.0009, 0.0009, 0.004]],
    ['mm', 2, [0.9, 0.9, 4]],
    ['microns', 3, [900, 900, 4000]],
    ['unknown (0)', 0, [0.9, 0.9, 4]],
  ] as [string, number, [number, number, number]][])('%s', async (_name, units, pixdim) => {
    const study = await loadStudy([withUnits(units, pixdim)], LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    const { column, row, slice } = study.meta.spacing;
    // float32 in the header: 0.9 is stored as 0.89999998
    [column, row, slice].forEach((v, i) => expect(v).toBeCloseTo([0.9, 0.9, 4][i], 5));
    expect(study.slices.map((s) => s.position)).toEqual([0, 4, 8, 12]);
  });
});
