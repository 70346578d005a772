/**
 * Minimal NIfTI-1 writer for orientation / non-finite tests: int16, float32 or float64 voxels, optional
 * sform (srow_*) and qform (quaternion + qfac), dim_info slice_dim. Synthetic data only.
 */

export type Mat3 = [[number, number, number], [number, number, number], [number, number, number]];

export interface Nifti1Spec {
  datatype?: 'int16' | 'float32' | 'float64';
  /** scl_slope (default 1) */
  sclSlope?: number;
  pixdim?: [number, number, number];
  sliceDim?: 0 | 1 | 2 | 3;
  /** direction × spacing part of voxel→world (rows = world x, y, z); written as srow_* */
  sform?: number[][];
  sformCode?: number;
  /** quatern_b, c, d and qfac (pixdim[0]) */
  qform?: { b: number; c: number; d: number; qfac: 1 | -1 };
  qformCode?: number;
  /** a 4-D file of this many volumes (voxel's 4th argument is the volume) */
  volumes?: number;
}

export function writeNifti1(dims: [number, number, number], voxel: (i: number, j: number, k: number, t: number) => number, o: Nifti1Spec = {}): Buffer {
  const [nx, ny, nz] = dims;
  const float = o.datatype === 'float32';
  const double = o.datatype === 'float64';
  const hdr = Buffer.alloc(352);
  hdr.writeInt32LE(348, 0);
  hdr.writeUInt8(((o.sliceDim ?? 0) & 3) << 4, 39);
  const nt = o.volumes ?? 1;
  [o.volumes ? 4 : 3, nx, ny, nz, nt, 1, 1, 1].forEach((v, i) => hdr.writeInt16LE(v, 40 + i * 2));
  hdr.writeInt16LE(double ? 64 : float ? 16 : 4, 70);
  hdr.writeInt16LE(double ? 64 : float ? 32 : 16, 72);
  [o.qform?.qfac ?? 1, ...(o.pixdim ?? [1, 1, 1]), 1, 1, 1, 1].forEach((v, i) => hdr.writeFloatLE(v, 76 + i * 4));
  hdr.writeFloatLE(352, 108);
  hdr.writeFloatLE(o.sclSlope ?? 1, 112);
  hdr.writeUInt8(2 | 8, 123);
  hdr.writeInt16LE(o.qform ? (o.qformCode ?? 1) : 0, 252);
  hdr.writeInt16LE(o.sform ? (o.sformCode ?? 1) : 0, 254);
  if (o.qform) [o.qform.b, o.qform.c, o.qform.d].forEach((v, i) => hdr.writeFloatLE(v, 256 + i * 4));
  if (o.sform) for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) hdr.writeFloatLE(o.sform[r]?.[c] ?? 0, 280 + (r * 4 + c) * 4);
  hdr.write('n+1\0', 344, 'latin1');
  const bpv = double ? 8 : float ? 4 : 2;
  const data = Buffer.alloc(nx * ny * nz * nt * bpv);
  for (let t = 0; t < nt; t++)
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          const at = bpv * (i + nx * (j + ny * (k + nz * t)));
          if (double) data.writeDoubleLE(voxel(i, j, k, t), at);
          else if (float) data.writeFloatLE(voxel(i, j, k, t), at);
          else data.writeInt16LE(voxel(i, j, k, t), at);
        }
  return Buffer.concat([hdr, data]);
}

/** world (RAS+) coordinates of a voxel, the volume's centre at the origin */
export function worldOf(m: number[][], dims: [number, number, number], i: number, j: number, k: number): [number, number, number] {
  const v = [i - (dims[0] - 1) / 2, j - (dims[1] - 1) / 2, k - (dims[2] - 1) / 2];
  return [0, 1, 2].map((r) => m[r][0] * v[0] + m[r][1] * v[1] + m[r][2] * v[2]) as [number, number, number];
}

/** a volume at 100 with 1000 where `bright(x, y, z)` holds in world coordinates */
export function worldMarker(m: number[][], dims: [number, number, number], bright: (x: number, y: number, z: number) => boolean) {
  return (i: number, j: number, k: number) => (bright(...worldOf(m, dims, i, j, k)) ? 1000 : 100);
}

/** rotation by `deg` about world x (a tilted, oblique acquisition) */
export function rotX(deg: number): Mat3 {
  const t = (deg * Math.PI) / 180;
  return [
    [1, 0, 0],
    [0, Math.cos(t), -Math.sin(t)],
    [0, Math.sin(t), Math.cos(t)],
  ];
}

export function matMul(a: number[][], b: number[][]): Mat3 {
  return [0, 1, 2].map((r) => [0, 1, 2].map((c) => a[r][0] * b[0][c] + a[r][1] * b[1][c] + a[r][2] * b[2][c])) as Mat3;
}

/** mean of an image's (8-bit or scalar) rows [r0, r1) and columns [c0, c1) */
export function meanOf(img: { width: number; data: ArrayLike<number> }, r0: number, r1: number, c0: number, c1: number): number {
  let s = 0;
  for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) s += img.data[r * img.width + c];
  return s / ((r1 - r0) * (c1 - c0));
}

/**
 * nifti1_io's nifti_mat44_to_quatern for an orthonormal direction matrix (columns = voxel axes in
 * RAS+): a left-handed one is written with qfac −1 and its k column negated, as the standard does.
 */
export function quaternOf(m: number[][]): { b: number; c: number; d: number; qfac: 1 | -1 } {
  const det =
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const qfac = det < 0 ? -1 : 1;
  const [r11, r12, r13] = [m[0][0], m[0][1], m[0][2] * qfac];
  const [r21, r22, r23] = [m[1][0], m[1][1], m[1][2] * qfac];
  const [r31, r32, r33] = [m[2][0], m[2][1], m[2][2] * qfac];
  const trace = r11 + r22 + r33 + 1;
  let a: number, b: number, c: number, d: number;
  if (trace > 0.5) {
    a = 0.5 * Math.sqrt(trace);
    b = (0.25 * (r32 - r23)) / a;
    c = (0.25 * (r13 - r31)) / a;
    d = (0.25 * (r21 - r12)) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12 + r21)) / b;
      d = (0.25 * (r13 + r31)) / b;
      a = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12 + r21)) / c;
      d = (0.25 * (r23 + r32)) / c;
      a = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13 + r31)) / d;
      c = (0.25 * (r23 + r32)) / d;
      a = (0.25 * (r21 - r12)) / d;
    }
    if (a < 0) [b, c, d] = [-b, -c, -d];
  }
  return { b, c, d, qfac };
}
