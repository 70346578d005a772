/**
 * One phantom, known in patient space, acquired in any orientation and written as DICOM (a series of
 * files or one Enhanced MR object) and as NIfTI (sform, qform, stored in other voxel orders), so that
 * the specs can check that every path shows the same slices, the right way up and round, in the same
 * order. Built from the fixture writers of study-fixtures.ts, enhanced-dicom-fixtures.ts and
 * nifti-fixtures.ts; synthetic data only.
 */
import type { RawImage } from '../../src/inference/preprocess';
import { dicomEnhanced } from './enhanced-dicom-fixtures';
import { meanOf, quaternOf, writeNifti1 } from './nifti-fixtures';
import { dicomSlice, GreySlice } from './study-fixtures';

/**
 * The phantom, in RAS+ millimetres around the origin: 30, +100 in the anterior half, +50 in the
 * superior half, +25 in the patient's left half. Every plane through it shows four quadrants of
 * different brightness (so all eight flips and transposes of a slice tell apart), and the mean of a
 * slice grows towards anterior, superior and left (so the slice order shows).
 */
export function phantom([x, y, z]: number[]): number {
  return 30 + (y > 0 ? 100 : 0) + (z > 0 ? 50 : 0) + (x < 0 ? 25 : 0);
}

/** An acquisition as DICOM describes it (LPS): directions of the rows and columns of the image, and its matrix. */
export interface Acquisition {
  /** ImageOrientationPatient: the direction along a row (column index grows), then down a column (row index grows) */
  iop: number[];
  /** columns, rows, slices */
  size: [number, number, number];
  /** mm between columns, between rows, between slices */
  spacing: [number, number, number];
}

const cross = (a: number[], b: number[]) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const lpsToRas = (v: number[]) => [-v[0], -v[1], v[2]];

/** the three voxel axes (column, row, slice) in LPS, each scaled by its spacing */
function axes(a: Acquisition): number[][] {
  const row = a.iop.slice(0, 3);
  const col = a.iop.slice(3, 6);
  const n = cross(row, col);
  return [row, col, n].map((v, k) => v.map((c) => c * a.spacing[k]));
}

/** LPS position of voxel (column i, row j, slice k), the volume's centre at the origin */
export function lpsOf(a: Acquisition, i: number, j: number, k: number): number[] {
  const ax = axes(a);
  const t = [i - (a.size[0] - 1) / 2, j - (a.size[1] - 1) / 2, k - (a.size[2] - 1) / 2];
  return [0, 1, 2].map((r) => ax[0][r] * t[0] + ax[1][r] * t[1] + ax[2][r] * t[2]);
}

const valueAt = (a: Acquisition, i: number, j: number, k: number) => phantom(lpsToRas(lpsOf(a, i, j, k)));

function slice(a: Acquisition, k: number): GreySlice {
  const [w, h] = a.size;
  const data = new Uint8Array(w * h);
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) data[j * w + i] = valueAt(a, i, j, k);
  return { width: w, height: h, data };
}

export interface DicomWriting {
  /** the order the slices are written in: files for a series, frames for Enhanced MR (default forward) */
  order?: 'forward' | 'reversed' | 'shuffled';
  /** one Enhanced MR object instead of one file per slice */
  enhanced?: boolean;
}

function slicesInOrder(n: number, order: DicomWriting['order']): number[] {
  const ks = Array.from({ length: n }, (_, k) => k);
  if (order === 'reversed') return ks.reverse();
  if (order === 'shuffled') return ks.map((k) => (k * 7 + 3) % n); // a permutation for n coprime with 7
  return ks;
}

/**
 * The acquisition as DICOM: each slice at its own ImagePositionPatient, no window in the header
 * (so the service uses its percentile window, as for NIfTI) and the Pixel Spacing of the acquisition.
 */
export function asDicom(a: Acquisition, w: DicomWriting = {}): Buffer[] {
  const ks = slicesInOrder(a.size[2], w.order);
  const pixelSpacing: [number, number] = [a.spacing[1], a.spacing[0]];
  const geometry = { orientation: a.iop, pixelSpacing, window: false, seriesDescription: 'ORIENTATION PHANTOM' };
  if (w.enhanced) {
    const file = dicomEnhanced(ks.map((k) => slice(a, k)), ks, { ...geometry, sharedSpacing: pixelSpacing, perFrameOrientation: true, framePositions: ks.map((k) => lpsOf(a, 0, 0, k)) });
    return [file];
  }
  // instance numbers in file order, not slice order: only the positions may decide
  return ks.map((k, n) => dicomSlice(slice(a, k), { ...geometry, position: lpsOf(a, 0, 0, k), instanceNumber: n + 1 }));
}

export interface NiftiWriting {
  /** where the orientation is written (default sform) */
  form?: 'sform' | 'qform' | 'both';
  /** the rows, slices or columns stored in the opposite order (the affine says so), as converters do */
  flip?: ('i' | 'j' | 'k')[];
  /** a 4-D file: the first volume is the phantom, later ones its mirror image (only the first is analysed) */
  volumes?: number;
}

/** The same acquisition as NIfTI-1: int16 voxels of the phantom values, voxel → world in RAS+. */
export function asNifti(a: Acquisition, o: NiftiWriting = {}): Buffer {
  const flip = [o.flip?.includes('i'), o.flip?.includes('j'), o.flip?.includes('k')];
  const ras = axes(a).map((v, k) => lpsToRas(v).map((c) => (flip[k] ? -c : c)));
  const first = lpsToRas(lpsOf(a, flip[0] ? a.size[0] - 1 : 0, flip[1] ? a.size[1] - 1 : 0, flip[2] ? a.size[2] - 1 : 0));
  const sform = [0, 1, 2].map((r) => [ras[0][r], ras[1][r], ras[2][r], first[r]]);
  const unit = [0, 1, 2].map((r) => [0, 1, 2].map((c) => ras[c][r] / a.spacing[c]));
  const form = o.form ?? 'sform';
  const at = (v: number, k: 0 | 1 | 2) => (flip[k] ? a.size[k] - 1 - v : v);
  return writeNifti1(
    a.size,
    (i, j, k, t) => (t > 0 ? valueAt(a, a.size[0] - 1 - at(i, 0), at(j, 1), at(k, 2)) : valueAt(a, at(i, 0), at(j, 1), at(k, 2))),
    {
      pixdim: a.spacing,
      sform: form === 'qform' ? undefined : sform,
      qform: form === 'sform' ? undefined : quaternOf(unit),
      volumes: o.volumes,
    },
  );
}

/** in-plane direction (RAS+ sign per axis) of the image's left and top, per radiological plane */
const DISPLAY: Record<'axial' | 'coronal' | 'sagittal', { left: number[]; top: number[] }> = {
  axial: { left: [1, 0, 0], top: [0, 1, 0] }, // patient's right on the left, anterior at the top
  coronal: { left: [1, 0, 0], top: [0, 0, 1] }, // right on the left, superior at the top
  sagittal: { left: [0, 1, 0], top: [0, 0, 1] }, // anterior on the left, superior at the top
};

/** quadrant means (top-left, top-right, bottom-left, bottom-right) of a slice */
export function quadrants(img: RawImage): number[] {
  const im = { width: img.width, data: img.data };
  const [h2, w2] = [img.height / 2, img.width / 2];
  return [meanOf(im, 0, h2, 0, w2), meanOf(im, 0, h2, w2, img.width), meanOf(im, h2, img.height, 0, w2), meanOf(im, h2, img.height, w2, img.width)];
}

/** order of the quadrants, darkest first */
const ranks = (v: number[]) => [0, 1, 2, 3].sort((p, q) => v[p] - v[q]);

/** the quadrant order a radiologically shown slice of this plane has */
export function expectedRanks(plane: keyof typeof DISPLAY): number[] {
  const { left, top } = DISPLAY[plane];
  const at = (l: number, t: number) => phantom([0, 1, 2].map((r) => 10 * (l * left[r] + t * top[r])));
  return ranks([at(1, 1), at(-1, 1), at(1, -1), at(-1, -1)]);
}

/** the quadrant order found in a slice */
export const foundRanks = (img: RawImage): number[] => ranks(quadrants(img));
