/**
 * Every NIfTI datatype the reader accepts, in both byte orders, NIfTI-1 and NIfTI-2: the voxels
 * come back as written, times scl_slope plus scl_inter. int64 / uint64 (nibabel reads them; they
 * were refused as "not supported"), and the 3-D volumes of a 5-D file. Files are built here.
 */
import { readNifti } from '../../../src/studies/nifti';
import { UnsupportedStudyFileError } from '../../../src/studies/study-errors';

const POS = { file: 0, files: 1 };
const DIMS = [64, 64, 2] as const;

type Put = (b: Buffer, v: number, at: number, le: boolean) => void;
const TYPES: Record<string, { code: number; bytes: number; put: Put; values: (n: number) => number }> = {
  uint8: { code: 2, bytes: 1, put: (b, v, at) => b.writeUInt8(v, at), values: (n) => n % 256 },
  int16: { code: 4, bytes: 2, put: (b, v, at, le) => (le ? b.writeInt16LE(v, at) : b.writeInt16BE(v, at)), values: (n) => (n % 65536) - 32768 },
  int32: { code: 8, bytes: 4, put: (b, v, at, le) => (le ? b.writeInt32LE(v, at) : b.writeInt32BE(v, at)), values: (n) => n * 40_000 - 2 ** 31 },
  float32: { code: 16, bytes: 4, put: (b, v, at, le) => (le ? b.writeFloatLE(v, at) : b.writeFloatBE(v, at)), values: (n) => n / 8 - 300 },
  float64: { code: 64, bytes: 8, put: (b, v, at, le) => (le ? b.writeDoubleLE(v, at) : b.writeDoubleBE(v, at)), values: (n) => n / 3 - 1e5 },
  int8: { code: 256, bytes: 1, put: (b, v, at) => b.writeInt8(v, at), values: (n) => (n % 256) - 128 },
  uint16: { code: 512, bytes: 2, put: (b, v, at, le) => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at)), values: (n) => n % 65536 },
  uint32: { code: 768, bytes: 4, put: (b, v, at, le) => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at)), values: (n) => n * 500_000 },
  int64: { code: 1024, bytes: 8, put: (b, v, at, le) => (le ? b.writeBigInt64LE(BigInt(v), at) : b.writeBigInt64BE(BigInt(v), at)), values: (n) => n * 2 ** 40 - 2 ** 52 },
  uint64: { code: 1280, bytes: 8, put: (b, v, at, le) => (le ? b.writeBigUInt64LE(BigInt(v), at) : b.writeBigUInt64BE(BigInt(v), at)), values: (n) => n * 2 ** 38 },
};

interface Spec {
  version: 1 | 2;
  le: boolean;
  type: keyof typeof TYPES;
  slope?: number;
  inter?: number;
  /** dim[0..] from dim[4] on (a 4-D to 7-D file); the voxels of the first volume only are written */
  more?: number[];
}

/** a NIfTI-1 or -2 file with no orientation: voxel n (in file order) holds TYPES[type].values(n) */
function write(s: Spec): Buffer {
  const t = TYPES[s.type];
  const hs = s.version === 1 ? 348 : 540;
  const n = DIMS[0] * DIMS[1] * DIMS[2];
  const b = Buffer.alloc(hs + 4 + n * t.bytes);
  const i16 = (v: number, at: number) => (s.le ? b.writeInt16LE(v, at) : b.writeInt16BE(v, at));
  const dims = [3 + (s.more?.length ?? 0), ...DIMS, ...(s.more ?? [])];
  while (dims.length < 8) dims.push(1);
  if (s.version === 1) {
    s.le ? b.writeInt32LE(348, 0) : b.writeInt32BE(348, 0);
    dims.forEach((v, i) => i16(v, 40 + 2 * i));
    i16(t.code, 70);
    i16(t.bytes * 8, 72);
    [1, 1, 1, 1].forEach((v, i) => (s.le ? b.writeFloatLE(v, 76 + 4 * i) : b.writeFloatBE(v, 76 + 4 * i)));
    s.le ? b.writeFloatLE(352, 108) : b.writeFloatBE(352, 108);
    s.le ? b.writeFloatLE(s.slope ?? 1, 112) : b.writeFloatBE(s.slope ?? 1, 112);
    s.le ? b.writeFloatLE(s.inter ?? 0, 116) : b.writeFloatBE(s.inter ?? 0, 116);
    b.write('n+1\0', 344, 'latin1');
  } else {
    s.le ? b.writeInt32LE(540, 0) : b.writeInt32BE(540, 0);
    b.write('n+2\0\r\n\x1a\n', 4, 'latin1');
    i16(t.code, 12);
    i16(t.bytes * 8, 14);
    dims.forEach((v, i) => (s.le ? b.writeBigInt64LE(BigInt(v), 16 + 8 * i) : b.writeBigInt64BE(BigInt(v), 16 + 8 * i)));
    [1, 1, 1, 1].forEach((v, i) => (s.le ? b.writeDoubleLE(v, 104 + 8 * i) : b.writeDoubleBE(v, 104 + 8 * i)));
    s.le ? b.writeBigInt64LE(544n, 168) : b.writeBigInt64BE(544n, 168);
    s.le ? b.writeDoubleLE(s.slope ?? 1, 176) : b.writeDoubleBE(s.slope ?? 1, 176);
    s.le ? b.writeDoubleLE(s.inter ?? 0, 184) : b.writeDoubleBE(s.inter ?? 0, 184);
  }
  for (let k = 0; k < n; k++) t.put(b, t.values(k), hs + 4 + k * t.bytes, s.le);
  return b;
}

/**
 * Expected slice s as the reader shows a volume without orientation (the historical layout:
 * columns = i, rows = j with +j up), in float32 as the slices hold them.
 */
function expected(s: Spec, k: number): Float32Array {
  const [nx, ny] = DIMS;
  const out = new Float32Array(nx * ny);
  const slope = s.slope ?? 1;
  for (let row = 0; row < ny; row++)
    for (let col = 0; col < nx; col++) out[row * nx + col] = TYPES[s.type].values(col + nx * (ny - 1 - row + ny * k)) * slope + (s.inter ?? 0);
  return out;
}

describe('NIfTI datatypes, byte orders and versions', () => {
  const cases: Spec[] = [];
  for (const type of Object.keys(TYPES))
    for (const version of [1, 2] as const) for (const le of [true, false]) cases.push({ version, le, type, ...(type === 'int16' ? { slope: 0.5, inter: -7 } : {}) });

  it.each(cases.map((c) => [`${c.type} NIfTI-${c.version} ${c.le ? 'little' : 'big'}-endian`, c] as const))('%s: the voxels as written', (_, c) => {
    const vol = readNifti(new Uint8Array(write(c)), POS, 400);
    expect(vol).toMatchObject({ count: 2, width: 64, height: 64, volumes: 1 });
    for (let k = 0; k < 2; k++) expect(vol.readSlice(k).values).toEqual(expected(c, k));
  });

  it('RGB24, RGBA32, complex, float128 and binary are refused by name (scalar volumes only); an undefined code says so', () => {
    // the message said "(e.g. RGB or complex)" for every code, a float128 or a garbage code too
    const names: [number, string][] = [[128, 'RGB24'], [2304, 'RGBA32'], [32, 'complex64'], [1792, 'complex128'], [2048, 'complex256'], [1536, 'float128'], [1, '1-bit binary']];
    for (const [code, name] of names) {
      const b = write({ version: 1, le: true, type: 'uint8' });
      b.writeInt16LE(code, 70);
      expect(() => readNifti(new Uint8Array(b), POS, 400)).toThrow(new UnsupportedStudyFileError(`NIfTI data type ${code} (${name}) is not read; scalar volumes only (integer, float32 or float64 voxels).`));
    }
    for (const code of [0, 9999]) {
      const b = write({ version: 1, le: true, type: 'uint8' });
      b.writeInt16LE(code, 70);
      expect(() => readNifti(new Uint8Array(b), POS, 400)).toThrow(/is not a NIfTI data type/);
    }
  });

  it('a 5-D file counts every 3-D volume it holds (dim[4] × dim[5]), and shows the first', () => {
    const c: Spec = { version: 1, le: true, type: 'int16', more: [1, 3] };
    const file = Buffer.concat([write(c), Buffer.alloc(2 * 64 * 64 * 2 * 2)]);
    const vol = readNifti(new Uint8Array(file), POS, 400);
    expect(vol.volumes).toBe(3);
    expect(vol.readSlice(1).values).toEqual(expected(c, 1));
  });
});
