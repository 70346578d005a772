import * as nifti from 'nifti-reader-js';
import { CorruptStudyError, FilePosition, fileLabel, TooManySlicesError, UnsupportedStudyFileError } from './study-errors';
import { axcodesString, AxisCodes, axisCodes, AxisWalk, OrientationSource, Plane, sliceLayout, voxelToWorld } from './nifti-orientation';
import { voxelMapping } from './nifti-values';
import type { ScalarSlice } from './windowing';

export interface NiftiVolume {
  count: number;
  readSlice: (s: number) => ScalarSlice;
  /** voxel axis (0 = i, 1 = j, 2 = k) the slices were cut along */
  sliceAxis: 0 | 1 | 2;
  /** how that axis was chosen ('single': the one axis only one voxel thick) */
  sliceAxisSource: 'single' | 'dim_info' | 'spacing' | 'default';
  width: number;
  height: number;
  /** in-plane spacing (columns, rows) and spacing between slices, in mm (xyzt_units: metres and microns converted; unknown taken as mm) */
  spacing: { column: number | null; row: number | null; slice: number | null };
  /** number of 3-D volumes in a 4-D to 7-D file: the product of dim[4..dim[0]] (only the first is analysed) */
  volumes: number;
  /** where the display orientation came from; 'none': historical layout, plane unknown */
  orientation: { source: OrientationSource | 'none'; axcodes: string | null; plane: Plane | null };
}

export { looksLikeNifti } from './file-kinds';

/** sizeof_hdr: 348 (NIfTI-1) or 540 (NIfTI-2), in either byte order (looksLikeNifti checked it is one of them) */
function headerBytes(bytes: Uint8Array): number {
  if (bytes.length < 4) return 348;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return dv.getInt32(0, true) === 540 || dv.getInt32(0, false) === 540 ? 540 : 348;
}

const READERS: Record<number, { bytes: number; read: (dv: DataView, o: number, le: boolean) => number }> = {
  2: { bytes: 1, read: (dv, o) => dv.getUint8(o) },
  4: { bytes: 2, read: (dv, o, le) => dv.getInt16(o, le) },
  8: { bytes: 4, read: (dv, o, le) => dv.getInt32(o, le) },
  16: { bytes: 4, read: (dv, o, le) => dv.getFloat32(o, le) },
  64: { bytes: 8, read: (dv, o, le) => dv.getFloat64(o, le) },
  256: { bytes: 1, read: (dv, o) => dv.getInt8(o) },
  512: { bytes: 2, read: (dv, o, le) => dv.getUint16(o, le) },
  768: { bytes: 4, read: (dv, o, le) => dv.getUint32(o, le) },
  // int64 / uint64: beyond 2^53 a value rounds, far below what the 8-bit display resolves
  1024: { bytes: 8, read: (dv, o, le) => Number(dv.getBigInt64(o, le)) },
  1280: { bytes: 8, read: (dv, o, le) => Number(dv.getBigUint64(o, le)) },
};

/** the datatypes nifti1.h defines that are not scalar volumes the service reads, named in the refusal */
const UNREAD_TYPES: Record<number, string> = {
  1: '1-bit binary', 32: 'complex64', 128: 'RGB24', 1536: 'float128', 1792: 'complex128', 2048: 'complex256', 2304: 'RGBA32',
};

/** NIFTI_UNITS_METER (1), _MM (2), _MICRON (3): the spatial bits of xyzt_units */
const MM_PER_UNIT: Record<number, number> = { 1: 1000, 2: 1, 3: 0.001 };

/** Where a NIfTI file's voxels lie, from its header alone. */
interface NiftiGeometry {
  h: nifti.NIFTI1 | nifti.NIFTI2;
  nx: number;
  ny: number;
  nz: number;
  /** 3-D volumes in the file: the product of dim[4..dim[0]] */
  volumes: number;
  reader: { bytes: number; read: (dv: DataView, o: number, le: boolean) => number };
  /** byte where the first volume starts */
  offset: number;
}

/**
 * The header read and checked, refusing by name what is not read (dimensions, data type, voxel
 * offset), before any voxel: `bytes` needs to hold the header only (the gzip reader asks this as
 * soon as the header is inflated, to know how much of the file to keep).
 */
function niftiGeometry(bytes: Uint8Array, pos: FilePosition): NiftiGeometry {
  let header: nifti.NIFTI1 | nifti.NIFTI2 | null;
  try {
    // The header alone: given more, nifti-reader-js walks the extensions, which the service never
    // uses — and its walk follows a negative esize backwards, so a file whose sizes form a cycle
    // (-16 here, +16 there) held the process in an endless loop, and it console.logs every
    // extension's bytes (a DICOM extension carries the patient's name) into the service's log.
    const n = Math.min(bytes.length, headerBytes(bytes));
    header = nifti.readHeader(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + n) as ArrayBuffer);
    if (!header) throw new Error('no header');
  } catch {
    throw new CorruptStudyError(`${fileLabel(pos)} is not a readable NIfTI file (corrupt or truncated).`);
  }
  const h = header;
  const ndim = h.dims[0];
  const [nx, ny, nz] = [h.dims[1], h.dims[2], ndim >= 3 ? h.dims[3] : 1];
  // the 3-D volumes the file holds: a 5-D one of dims (x, y, z, 1, 3) — a vector field — holds 3, not dim[4] = 1
  let volumes = 1;
  for (let d = 4; d <= Math.min(ndim, 7); d++) volumes *= Math.max(1, h.dims[d]);
  if (ndim < 2 || ndim > 7 || nx < 1 || ny < 1 || nz < 1) throw new CorruptStudyError(`${fileLabel(pos)} has invalid NIfTI dimensions.`);
  const reader = READERS[h.datatypeCode];
  if (!reader) {
    const name = UNREAD_TYPES[h.datatypeCode];
    throw new UnsupportedStudyFileError(
      name
        ? `NIfTI data type ${h.datatypeCode} (${name}) is not read; scalar volumes only (integer, float32 or float64 voxels).`
        : `NIfTI data type ${h.datatypeCode} is not a NIfTI data type; scalar volumes only (integer, float32 or float64 voxels).`,
    );
  }
  // The first volume's bytes only, sized from dim[1..3] up to dim[0] and the datatype. Not
  // nifti-reader-js's readImage: it multiplies in dim[3..5] whatever dim[0] says — fields the
  // standard says to ignore beyond dim[0] — so a valid 2-D file with dim[3] = 0, or a 3-D one
  // with a stray negative dim[4], read as empty ("truncated"), and a 4-D file was copied whole.
  if (!Number.isInteger(h.vox_offset) || h.vox_offset < 0) throw new CorruptStudyError(`${fileLabel(pos)} has an invalid NIfTI voxel offset.`);
  // nifti1.h: "If vox_offset is less than 352 in a .nii file, it is equivalent to 352 (i.e., image
  // data never starts before byte #352 in a .nii file)" — read from 0 (as nibabel does), a
  // vox_offset of 0 showed the header's bytes as the first voxels. NIfTI-2 likewise: 540 + 4.
  const offset = Math.max(h.vox_offset, headerBytes(bytes) + 4);
  return { h, nx, ny, nz, volumes, reader, offset };
}

/** Bytes of a NIfTI file's header that niftiExtent needs: NIfTI-2's 540 and its 4-byte extension flag. */
export const NIFTI_HEADER_BYTES = 544;

/**
 * How much of a NIfTI file is read (`firstVolumeEnd`: its header, extensions and first volume)
 * and how long the header says it is (`declaredEnd`: every volume), from the header alone — or
 * its refusal by name. Sizes beyond 2^53 lose precision but stay far beyond any limit.
 */
export function niftiExtent(header: Uint8Array, pos: FilePosition): { firstVolumeEnd: number; declaredEnd: number; volumes: number } {
  const { nx, ny, nz, volumes, reader, offset } = niftiGeometry(header, pos);
  const volumeBytes = nx * ny * nz * reader.bytes;
  return { firstVolumeEnd: offset + volumeBytes, declaredEnd: offset + volumeBytes * volumes, volumes };
}

/**
 * Reads a NIfTI-1/2 volume with nifti-reader-js and cuts it into 2-D slices along the
 * acquisition axis: the one axis one voxel thick (a single slice) when there is one; else the
 * header's slice_dim (dim_info) when set; otherwise the axis whose voxel spacing is clearly the
 * largest (thick-slice 2-D acquisitions); otherwise k. Values are scaled
 * by scl_slope/scl_inter (when the slope is non-zero). Each slice is shown radiologically
 * (nifti-orientation.ts) using the sform, else the qform; with neither, or an unusable one, the
 * historical layout is kept (columns = first remaining axis, rows = second with +axis up).
 * The window comes from finite values only: non-finite voxels (NaN, ±Inf) are handed on as NaN,
 * which the percentile window leaves out and the display draws at its low end; a volume of
 * values beyond float32's range is windowed in double precision, and one with no finite value is
 * refused (nifti-values.ts).
 */
export function readNifti(bytes: Uint8Array, pos: FilePosition, maxSlices: number): NiftiVolume {
  const { h, nx, ny, nz, volumes, reader, offset } = niftiGeometry(bytes, pos);
  const nvox = nx * ny * nz;
  if (offset + nvox * reader.bytes > bytes.length) throw new CorruptStudyError(`${fileLabel(pos)}: the NIfTI image data is truncated.`);
  // read in place: a copy of the file (a 4-D upload's every volume) doubled what the study held
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, nvox * reader.bytes);

  const dims = [nx, ny, nz];
  // the study reports (and history stores, labels.ts) its spacing in mm: a header in metres (0.0009) or microns
  // (900) was shown as "0.0009 mm" or "900 mm"; unknown (0), as nifti1.h and nibabel, is taken as mm
  const toMm = MM_PER_UNIT[h.xyzt_units & 7] ?? 1;
  const spacing = [1, 2, 3].map((i) => (Number.isFinite(h.pixDims[i]) && h.pixDims[i] > 0 ? h.pixDims[i] * toMm : null));
  const sliceDim = (h.dim_info >> 4) & 3;
  let sliceAxis: 0 | 1 | 2 = 2;
  let sliceAxisSource: NiftiVolume['sliceAxisSource'] = 'default';
  // A volume one voxel thick along one axis is one slice across it, whatever dim_info says (a
  // coronal or sagittal slice saved from a volume keeps its header's slice_dim): cut along any
  // other axis, it became 32 slices of 32 × 1 px and was refused as too small.
  const thin = [0, 1, 2].filter((a) => dims[a] === 1);
  if (thin.length === 1) {
    sliceAxis = thin[0] as 0 | 1 | 2;
    sliceAxisSource = 'single';
  } else if (sliceDim >= 1 && sliceDim <= 3 && dims[sliceDim - 1] > 1) {
    sliceAxis = (sliceDim - 1) as 0 | 1 | 2;
    sliceAxisSource = 'dim_info';
  } else if (spacing.every((s) => s !== null) && nz > 1) {
    const s = spacing as number[];
    const order = [0, 1, 2].sort((a, b) => s[b] - s[a]);
    if (s[order[0]] > 1.2 * s[order[1]] && dims[order[0]] > 1) {
      sliceAxis = order[0] as 0 | 1 | 2;
      sliceAxisSource = 'spacing';
    }
  }
  const count = dims[sliceAxis];
  if (count > maxSlices) throw new TooManySlicesError(maxSlices);

  const ori = readOrientation(h, bytes);
  const layout = sliceLayout(ori?.codes ?? null, sliceAxis);
  const width = dims[layout.column.axis];
  const height = dims[layout.row.axis];
  const strides = [1, nx, nx * ny];
  // index arithmetic per slice: start at the corner shown top-left, step along each walk
  const step = (w: AxisWalk) => (w.reversed ? -strides[w.axis] : strides[w.axis]);
  const start = (w: AxisWalk) => (w.reversed ? (dims[w.axis] - 1) * strides[w.axis] : 0);
  const colStep = step(layout.column);
  const rowStep = step(layout.row);
  const origin = start(layout.column) + start(layout.row) + start(layout.slice);
  const sliceStep = step(layout.slice);

  let slope = h.scl_slope;
  let inter = h.scl_inter;
  if (!Number.isFinite(slope) || slope === 0) {
    slope = 1;
    inter = 0;
  }
  if (!Number.isFinite(inter)) inter = 0;
  const le = h.littleEndian;
  // non-finite → NaN (the window's low end); a volume beyond float32's range windowed in double
  // precision; one with no finite value refused (nifti-values.ts)
  const toSliceValue = voxelMapping((v) => reader.read(dv, v * reader.bytes, le), nvox, h.datatypeCode, slope, inter, pos);
  /** one slice in physical units, read from the raw volume on demand (not all held at once) */
  const readSlice = (s: number): ScalarSlice => {
    const values = new Float32Array(width * height);
    const base = origin + s * sliceStep;
    for (let row = 0; row < height; row++) {
      const rowBase = base + row * rowStep;
      for (let col = 0; col < width; col++) {
        values[row * width + col] = toSliceValue(reader.read(dv, (rowBase + col * colStep) * reader.bytes, le) * slope + inter);
      }
    }
    return { width, height, values };
  };
  return {
    count,
    readSlice,
    sliceAxis,
    sliceAxisSource,
    width,
    height,
    spacing: { column: spacing[layout.column.axis], row: spacing[layout.row.axis], slice: spacing[sliceAxis] },
    volumes,
    orientation: ori ? { source: ori.source, axcodes: axcodesString(ori.codes), plane: layout.plane } : { source: 'none', axcodes: null, plane: null },
  };
}

/**
 * The header's orientation as axis codes (sform, else qform), or null when it has none or only
 * unusable ones (NaN, zero or singular matrix): such a file is still shown, in the historical
 * layout, rather than refused — the pixels are fine, only the labels of the axes are unknown.
 */
function readOrientation(h: nifti.NIFTI1 | nifti.NIFTI2, bytes: Uint8Array): { codes: AxisCodes; source: OrientationSource } | null {
  let srow: number[][];
  if (h instanceof nifti.NIFTI2) srow = h.affine.slice(0, 3); // NIfTI-2: nifti-reader-js always fills affine from srow_*
  else {
    // NIfTI-1: nifti-reader-js's affine prefers the qform when qform_code > sform_code; read srow_* (floats at 280) directly
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    srow = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => dv.getFloat32(280 + (r * 4 + c) * 4, h.littleEndian)));
  }
  const candidates = voxelToWorld({
    qformCode: h.qform_code,
    sformCode: h.sform_code,
    quatern: [h.quatern_b, h.quatern_c, h.quatern_d],
    qfac: h.pixDims[0],
    srow,
  });
  for (const m of candidates) {
    const codes = axisCodes(m.matrix);
    if (codes) return { codes, source: m.source };
  }
  return null;
}
