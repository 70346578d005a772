import { axisCodes, Plane, sliceLayout } from './nifti-orientation';

/*
 * DICOM slices shown the way NIfTI volumes are (nifti-orientation.ts), from ImageOrientationPatient:
 * the stored frame is flipped and/or transposed so that it is radiological — axial: patient's right on
 * the image's left, anterior at the top; coronal: right on the left, superior at the top; sagittal:
 * anterior on the left, superior at the top — and the slices run inferior → superior, posterior →
 * anterior, right → left. Stored frames are not always so: an axial series can be stored rotated (a
 * prone patient, a scanner's choice), a sagittal one facing right or with rows running head → feet,
 * and the slice normal (row × column) of the usual coronal and sagittal orientations points
 * posterior and right, which ordered the slices anterior → posterior and left → right before.
 * The models were trained on upright radiological images, and the heat map and thumbnails are read
 * as anatomy, so the same phantom must give the same slices as DICOM and as NIfTI. Pure functions.
 */

/** How a stored frame (columns × rows) is turned into the shown slice. */
export interface FrameLayout {
  plane: Plane;
  /** the shown columns run down the stored columns (shown width = stored rows) */
  transpose: boolean;
  /** shown column x reads the stored index n − 1 − x along its axis */
  flipColumns: boolean;
  flipRows: boolean;
  /** the direction (LPS) the slices are ordered along: the slice normal, turned towards S, A or L */
  sliceDirection: number[];
}

/**
 * How far from 1 a direction's length, and from 0 the cosine between the row and column directions,
 * may be: cosines are written rounded (0.7071\0.7071 is 0.99999 long; scanners write 6+ decimals),
 * and 5 % is more than rounding to two decimals gives, and well short of a direction that is not one.
 */
const UNIT_TOLERANCE = 0.05;

/**
 * ImageOrientationPatient as the reader keeps it, or null — as if the tag were missing — when it is
 * not two unit directions at a right angle (PS3.3 C.7.6.2.1.1): not six finite numbers, a direction
 * that underflows (1e-320), is zero or far from unit length, or one parallel to the other. Kept,
 * its normal (row × column) was zero or tiny, every slice position projected onto it was 0 mm, and
 * a valid series was refused as "several images at one slice position"; or positions came out
 * 5e200 mm apart along a normal of length 1e200. Without an orientation the slices are ordered by
 * Instance Number and shown as stored, as for a file without the tag.
 */
export function usableOrientation(o: number[] | null): number[] | null {
  if (!o || o.length < 6 || !o.slice(0, 6).every(Number.isFinite)) return null;
  const [r, c] = [o.slice(0, 3), o.slice(3, 6)];
  const unit = (v: number[]) => Math.abs(Math.hypot(v[0], v[1], v[2]) - 1) <= UNIT_TOLERANCE;
  const cos = r[0] * c[0] + r[1] * c[1] + r[2] * c[2];
  return unit(r) && unit(c) && Math.abs(cos) <= UNIT_TOLERANCE ? o : null;
}

/** Row × column direction cosines (LPS, as DICOM gives them). */
export function sliceNormal(o: number[]): number[] {
  return [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
}

const lpsToRas = (v: number[]) => [-v[0], -v[1], v[2]];

/**
 * The layout of a series from its ImageOrientationPatient, or null when it has none or an unusable
 * one (not six finite numbers, parallel or zero directions; the reader already drops those, see
 * usableOrientation): such a series is shown as stored.
 */
export function frameLayout(iop: number[] | null): FrameLayout | null {
  if (!iop || iop.length < 6 || !iop.slice(0, 6).every(Number.isFinite)) return null;
  const normal = sliceNormal(iop);
  // voxel axes i (along a row), j (down a column), k (the normal) as columns, in NIfTI's RAS+
  const axes = [lpsToRas(iop.slice(0, 3)), lpsToRas(iop.slice(3, 6)), lpsToRas(normal)];
  const codes = axisCodes([0, 1, 2].map((r) => axes.map((a) => a[r])));
  if (!codes) return null;
  const layout = sliceLayout(codes, 2);
  return {
    plane: layout.plane!,
    transpose: layout.column.axis === 1,
    flipColumns: layout.column.reversed,
    flipRows: layout.row.reversed,
    sliceDirection: layout.slice.reversed ? normal.map((v) => -v) : normal,
  };
}

/** The direction slices are ordered along: towards S / A / L per plane, else the raw normal. */
export function sliceDirection(iop: number[]): number[] {
  return frameLayout(iop)?.sliceDirection ?? sliceNormal(iop);
}

/** The shown size of a stored columns × rows frame. */
export function shownSize(layout: FrameLayout | null, columns: number, rows: number): { width: number; height: number } {
  return layout?.transpose ? { width: rows, height: columns } : { width: columns, height: rows };
}

const identity = (l: FrameLayout | null) => !l || (!l.transpose && !l.flipColumns && !l.flipRows);

/** Shown pixels between two calls to `pause`: a transposed 4 MP frame took 30–60 ms in one go. */
const PAUSE_EVERY_PIXELS = 1 << 20;

/**
 * A stored frame (width × height, `channels` interleaved values per pixel) as it is shown; the same
 * array when nothing moves. A copy of one frame, made once per slice as it is decoded, in bands of
 * rows with `pause` (the loader's yield to the event loop, which also stops an aborted study) between.
 */
export async function orientFrame<T extends Float32Array | Uint8Array>(
  data: T,
  width: number,
  height: number,
  channels: number,
  layout: FrameLayout | null,
  pause?: () => Promise<void>,
): Promise<{ data: T; width: number; height: number }> {
  if (identity(layout)) return { data, width, height };
  const l = layout!;
  const { width: w, height: h } = shownSize(l, width, height);
  const out = new (data.constructor as new (n: number) => T)(data.length);
  // stored (column, row) of the shown pixel (x, y): start at the shown top-left corner, step per x and per y
  const along = (n: number, flip: boolean) => (flip ? { start: n - 1, step: -1 } : { start: 0, step: 1 });
  const cx = l.transpose ? along(height, l.flipColumns) : along(width, l.flipColumns);
  const cy = l.transpose ? along(width, l.flipRows) : along(height, l.flipRows);
  // stored index steps: a shown column moves along a stored row (1) or down a stored column (width)
  const [sx, sy] = l.transpose ? [width, 1] : [1, width];
  const origin = cx.start * sx + cy.start * sy;
  const dx = cx.step * sx;
  const dy = cy.step * sy;
  const band = Math.max(1, Math.floor(PAUSE_EVERY_PIXELS / w));
  for (let y = 0; y < h; y++) {
    if (pause && y > 0 && y % band === 0) await pause();
    let src = origin + y * dy;
    for (let x = 0; x < w; x++, src += dx) {
      const o = (y * w + x) * channels;
      for (let c = 0; c < channels; c++) out[o + c] = data[src * channels + c];
    }
  }
  return { data: out, width: w, height: h };
}
