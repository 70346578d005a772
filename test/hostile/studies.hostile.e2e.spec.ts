/**
 * Issue 5 — bad input for the study endpoint (POST /api/v1/studies: DICOM files, a ZIP, or a
 * NIfTI volume): archive and decompression bombs, lying headers, path traversal names, nested
 * and encrypted archives, garbage behind a valid magic. Each must get a clear 4xx — never a
 * 5xx, never a crash, never a `completed` study — and the app must still be ready afterwards.
 * Everything is built here from zeros and noise; nothing is committed.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import request from 'supertest';
import { loginAs } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { el, mrDicom, part10 } from '../support/dicom-pixel-fixtures';
import { encodeLosslessJpeg, JPEG_LOSSLESS_SV1 } from '../support/jpeg-lossless-fixtures';
import { encodeDctJpeg, JPEG_EXTENDED, phantom } from '../support/jpeg-dct-fixtures';
import { encodeHtj2k, encodeJ2k, encodeJpegLs } from '../support/wasm-encoders';
import { codecThread } from '../../src/studies/codec-thread';
import { noiseBytes } from './bytes';

interface Entry {
  name: string;
  data: Buffer;
  /** 0 stored, 8 deflate */
  method?: 0 | 8;
  /** sizes written in the headers, when they should lie */
  declaredSize?: number;
  encrypted?: boolean;
}

/** A ZIP archive written by hand, so sizes, flags and names can lie. */
function zip(entries: Entry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const method = e.method ?? 8;
    const body = method === 8 ? zlib.deflateRawSync(e.data, { level: 9 }) : e.data;
    const name = Buffer.from(e.name, 'utf8');
    const crc = zlib.crc32(e.data);
    const size = e.declaredSize ?? e.data.length;
    const flags = e.encrypted ? 1 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    const l = Buffer.concat([local, name, body]);
    locals.push(l);
    centrals.push(Buffer.concat([central, name]));
    offset += l.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** DICOM Part 10 preamble + magic, then whatever follows. */
function dicomLike(rest: Buffer): Buffer {
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), rest]);
}

/** NIfTI-1 single-file header (348 bytes + 4 extension bytes) with the given dims, then data. */
function nifti(dims: number[], datatype: number, bitpix: number, data: Buffer): Buffer {
  const h = Buffer.alloc(352);
  h.writeInt32LE(348, 0);
  h.writeInt16LE(dims.length, 40);
  dims.forEach((d, i) => h.writeInt16LE(d, 42 + 2 * i));
  h.writeInt16LE(datatype, 70);
  h.writeInt16LE(bitpix, 72);
  for (let i = 0; i < 8; i++) h.writeFloatLE(1, 76 + 4 * i); // pixdim
  h.writeFloatLE(352, 108); // vox_offset
  h.writeFloatLE(1, 112); // scl_slope
  h.write('n+1\0', 344, 'latin1');
  return Buffer.concat([h, data]);
}

/** NIfTI-2 header (540 bytes + 4 extension bytes), little-endian, with the given dims, then data. */
function nifti2(dims: bigint[], data: Buffer): Buffer {
  const h = Buffer.alloc(544);
  h.writeInt32LE(540, 0);
  h.write('n+2\0\r\n\x1a\n', 4, 'latin1');
  h.writeInt16LE(4, 12); // int16
  h.writeInt16LE(16, 14);
  h.writeBigInt64LE(BigInt(dims.length), 16);
  dims.forEach((d, i) => h.writeBigInt64LE(d, 24 + 8 * i));
  for (let i = 0; i < 8; i++) h.writeDoubleLE(1, 104 + 8 * i); // pixdim
  h.writeBigInt64LE(544n, 168); // vox_offset
  h.writeDoubleLE(1, 176); // scl_slope
  return Buffer.concat([h, data]);
}

/**
 * A NIfTI-1 whose extension sizes form a cycle (-16 at 352 points back to 336, where +16 points
 * forward again): nifti-reader-js, given the whole file, walked it forever. Voxels cut short.
 */
function niftiExtensionCycle(): Buffer {
  const f = nifti([64, 64, 4], 4, 16, noiseBytes(64 * 64 * 2, 8));
  const b = Buffer.concat([f.subarray(0, 352), Buffer.alloc(32), f.subarray(352)]);
  b[348] = 1;
  b.writeInt32LE(-16, 352);
  b.writeInt32LE(16, 336);
  b.writeFloatLE(384, 108);
  return b;
}

/**
 * An Implicit VR Little Endian file cut one byte into its Rows value: dicom-parser kept the element
 * and threw a bare string at its first read (a 500).
 */
function dicomCutInRows(): Buffer {
  const el = (group: number, element: number, value: Buffer) => {
    const h = Buffer.alloc(8);
    h.writeUInt16LE(group, 0);
    h.writeUInt16LE(element, 2);
    h.writeUInt32LE(value.length, 4);
    return Buffer.concat([h, value]);
  };
  const file = Buffer.concat([part10([], '1.2.840.10008.1.2'), el(0x0008, 0x0060, Buffer.from('MR')), el(0x0028, 0x0010, Buffer.from([64, 0]))]);
  return file.subarray(0, file.length - 1);
}

interface StudyCase {
  name: string;
  files: { bytes: Buffer; filename: string }[];
  /** the error code this case must get, where one is certain */
  code?: string;
}

/**
 * JPEG Lossless (SV1) DICOM of 256 × 256 12-bit noise whose compressed stream is damaged by `damage`
 * (the file's Rows/Columns stay 256 × 256): cut, garbage, a frame header that lies.
 */
function losslessDicom(damage: (jpeg: Uint8Array) => Uint8Array, bitsAllocated: 8 | 16 = 16): Buffer {
  const noise = noiseBytes(256 * 256 * 2, 40);
  const words = Uint16Array.from({ length: 256 * 256 }, (_, i) => noise.readUInt16LE(2 * i) & 0xfff);
  const jpeg = encodeLosslessJpeg(words, { width: 256, height: 256, precision: 12, predictor: 1 });
  return mrDicom({ rows: 256, columns: 256, bitsAllocated, bitsStored: bitsAllocated === 8 ? 8 : 12, transferSyntax: JPEG_LOSSLESS_SV1, pixelData: el.encapsulated([damage(jpeg)]) });
}

/** JPEG Extended (.51) DICOM of a 256 × 256 12-bit phantom whose DCT stream is damaged by `damage`. */
function extendedDicom(damage: (jpeg: Uint8Array) => Uint8Array, bitsAllocated: 8 | 16 = 16): Buffer {
  const jpeg = encodeDctJpeg(phantom(256, 256, 12), { width: 256, height: 256, precision: 12, restartBlocks: 32 }).stream;
  return mrDicom({ rows: 256, columns: 256, bitsAllocated, bitsStored: bitsAllocated === 8 ? 8 : 12, transferSyntax: JPEG_EXTENDED, pixelData: el.encapsulated([damage(jpeg)]) });
}

/** The stream with its SOF1 frame header's size replaced. */
function sof1Size(w: number, h: number) {
  return (jpeg: Uint8Array) => {
    const b = Uint8Array.from(jpeg);
    b.set([h >> 8, h & 0xff, w >> 8, w & 0xff], b.findIndex((v, i) => v === 0xff && b[i + 1] === 0xc1) + 5);
    return b;
  };
}

/** JPEG-LS (.80), JPEG 2000 (.90) and HTJ2K (.201) DICOM of 256 × 256 12-bit noise, damaged: their encoders are async, so these cases are built before the uploads. */
async function wasmCases(): Promise<StudyCase[]> {
  const noise = noiseBytes(256 * 256 * 2, 43);
  const words = Uint16Array.from({ length: 256 * 256 }, (_, i) => noise.readUInt16LE(2 * i) & 0xfff);
  const o = { width: 256, height: 256, bits: 12 };
  const [ls, j2k, ht] = await Promise.all([encodeJpegLs(words, o), encodeJ2k(words, o), encodeHtj2k(words, o)]);
  const dicom = (ts: string, stream: Uint8Array, bitsAllocated = 16) =>
    mrDicom({ rows: 256, columns: 256, bitsAllocated, bitsStored: bitsAllocated === 8 ? 8 : 12, transferSyntax: ts, pixelData: el.encapsulated([stream]) });
  const siz = (w: number, h: number, stream = j2k) => {
    const b = Uint8Array.from(stream);
    new DataView(b.buffer).setUint32(8, w);
    new DataView(b.buffer).setUint32(12, h);
    return b;
  };
  const JLS = '1.2.840.10008.1.2.4.80';
  const J2K = '1.2.840.10008.1.2.4.90';
  const HT = '1.2.840.10008.1.2.4.201';
  return [
    { name: 'JPEG-LS DICOM cut in half', files: [{ bytes: dicom(JLS, ls.subarray(0, ls.length >> 1)), filename: 'jls-cut.dcm' }], code: 'CORRUPT_IMAGE' },
    { name: 'JPEG-LS DICOM whose scan is noise', files: [{ bytes: dicom(JLS, Uint8Array.from([...ls.subarray(0, 40), ...noiseBytes(ls.length - 40, 44)])), filename: 'jls-noise.dcm' }], code: 'CORRUPT_IMAGE' },
    { name: 'JPEG-LS DICOM: 12-bit samples in an 8-bit header', files: [{ bytes: dicom(JLS, ls, 8), filename: 'jls-depth.dcm' }], code: 'CORRUPT_IMAGE' },
    { name: 'JPEG 2000 DICOM cut in half', files: [{ bytes: dicom(J2K, j2k.subarray(0, j2k.length >> 1)), filename: 'j2k-cut.dcm' }], code: 'CORRUPT_IMAGE' },
    { name: 'JPEG 2000 DICOM whose SIZ claims 65535 × 65535 (bomb)', files: [{ bytes: dicom(J2K, siz(65535, 65535)), filename: 'j2k-bomb.dcm' }], code: 'RESOLUTION_OUT_OF_RANGE' },
    { name: 'JPEG 2000 DICOM whose SIZ says 256 × 257', files: [{ bytes: dicom(J2K, siz(256, 257)), filename: 'j2k-size.dcm' }], code: 'CORRUPT_IMAGE' },
    { name: 'JPEG 2000 DICOM whose codestream after SIZ is noise', files: [{ bytes: dicom(J2K, Uint8Array.from([...j2k.subarray(0, 60), ...noiseBytes(j2k.length - 60, 45)])), filename: 'j2k-noise.dcm' }], code: 'CORRUPT_IMAGE' },
    { name: 'HTJ2K DICOM cut in half (OpenJPH alone would decode it)', files: [{ bytes: dicom(HT, ht.subarray(0, ht.length >> 1)), filename: 'ht-cut.dcm' }], code: 'CORRUPT_IMAGE' },
    { name: 'HTJ2K DICOM whose SIZ claims 65535 × 65535 (bomb)', files: [{ bytes: dicom(HT, siz(65535, 65535, ht)), filename: 'ht-bomb.dcm' }], code: 'RESOLUTION_OUT_OF_RANGE' },
    { name: 'HTJ2K DICOM whose codestream after SIZ is noise', files: [{ bytes: dicom(HT, Uint8Array.from([...ht.subarray(0, 60), ...noiseBytes(ht.length - 60, 46)])), filename: 'ht-noise.dcm' }], code: 'CORRUPT_IMAGE' },
    { name: 'HTJ2K DICOM holding garbage', files: [{ bytes: dicom(HT, noiseBytes(4000, 47)), filename: 'ht-garbage.dcm' }], code: 'CORRUPT_IMAGE' },
  ];
}

/** The stream with its SOF3 frame header's size replaced. */
function sofSize(w: number, h: number) {
  return (jpeg: Uint8Array) => {
    const b = Uint8Array.from(jpeg);
    b.set([h >> 8, h & 0xff, w >> 8, w & 0xff], b.indexOf(0xc3) + 4);
    return b;
  };
}

const MB = 1024 * 1024;

function corpus(): StudyCase[] {
  const zeros64 = Buffer.alloc(64 * MB);
  const dcmNoise = dicomLike(noiseBytes(4096, 21));
  const cases: StudyCase[] = [
    { name: 'ZIP bomb (64 MB of zeros in ~64 KB)', files: [{ bytes: zip([{ name: 'slice.dcm', data: zeros64 }]), filename: 'bomb.zip' }] },
    { name: 'ZIP whose headers say 10 bytes but inflate to 64 MB', files: [{ bytes: zip([{ name: 'slice.dcm', data: zeros64, declaredSize: 10 }]), filename: 'liar.zip' }] },
    {
      name: 'ZIP with path traversal entry names',
      files: [{ bytes: zip([{ name: '../../../../tmp/sentinel-pwned.dcm', data: dcmNoise }, { name: '/etc/cron.d/x.dcm', data: dcmNoise }]), filename: 'traversal.zip' }],
    },
    { name: 'ZIP inside a ZIP', files: [{ bytes: zip([{ name: 'inner.zip', data: zip([{ name: 'a.dcm', data: dcmNoise }]) }]), filename: 'nested.zip' }] },
    { name: 'ZIP with 5000 tiny entries', files: [{ bytes: zip(Array.from({ length: 5000 }, (_, i) => ({ name: `s${i}.dcm`, data: dicomLike(Buffer.alloc(8)), method: 0 as const }))), filename: 'many.zip' }] },
    { name: 'encrypted ZIP entry', files: [{ bytes: zip([{ name: 'a.dcm', data: dcmNoise, method: 0, encrypted: true }]), filename: 'secret.zip' }] },
    { name: 'truncated ZIP', files: [{ bytes: zip([{ name: 'a.dcm', data: dcmNoise }]).subarray(0, 100), filename: 'cut.zip' }] },
    { name: 'gzip bomb named .nii.gz', files: [{ bytes: zlib.gzipSync(zeros64, { level: 9 }), filename: 'bomb.nii.gz' }] },
    { name: 'NIfTI header claiming 32767³ voxels', files: [{ bytes: nifti([32767, 32767, 32767], 4, 16, noiseBytes(4096, 5)), filename: 'huge.nii' }] },
    { name: 'NIfTI with negative dims', files: [{ bytes: nifti([-5, 256, 10], 4, 16, noiseBytes(4096, 6)), filename: 'neg.nii' }] },
    { name: 'NIfTI with an unknown datatype', files: [{ bytes: nifti([64, 64, 4], 999, 8, noiseBytes(64 * 64 * 4, 7)), filename: 'dtype.nii' }] },
    { name: 'NIfTI extension sizes in a cycle, voxels cut short', files: [{ bytes: niftiExtensionCycle(), filename: 'cycle.nii' }] },
    { name: 'NIfTI voxel offset past the end', files: [{ bytes: ((b) => (b.writeFloatLE(1e9, 108), b))(nifti([64, 64, 4], 4, 16, noiseBytes(64 * 64 * 8, 9))), filename: 'offset.nii' }] },
    { name: 'NIfTI-2 whose dims multiply past 2^64', files: [{ bytes: nifti2([2n ** 32n, 2n ** 32n, 2n ** 32n], noiseBytes(4096, 10)), filename: 'huge2.nii' }] },
    { name: 'NIfTI-2 with negative dims', files: [{ bytes: nifti2([-(2n ** 62n), 64n, 4n], noiseBytes(4096, 11)), filename: 'neg2.nii' }] },
    { name: 'truncated .nii.gz', files: [{ bytes: zlib.gzipSync(nifti([64, 64, 4], 4, 16, noiseBytes(64 * 64 * 8, 12))).subarray(0, 3000), filename: 'cut.nii.gz' }] },
    { name: 'NIfTI header only (no voxels)', files: [{ bytes: nifti([128, 128, 20], 4, 16, Buffer.alloc(0)), filename: 'empty.nii' }] },
    { name: 'DICOM magic then noise', files: [{ bytes: dcmNoise, filename: 'noise.dcm' }] },
    { name: 'DICOM (implicit VR) cut inside its Rows value', files: [{ bytes: dicomCutInRows(), filename: 'cut.dcm' }] },
    {
      name: 'DICOM with a 4 MB Image Orientation (held the event loop ~7 s, then answered 200)',
      files: [{ bytes: mrDicom({ rows: 64, columns: 64, bitsAllocated: 8, words: [], pixelData: el.bytes(0x7fe00010, 'OB', Buffer.alloc(4096, 9)), extra: [el.str(0x00200037, 'UT', '1.5\\'.repeat(1e6))] }), filename: 'orient.dcm' }],
    },
    { name: 'DICOM preamble only', files: [{ bytes: dicomLike(Buffer.alloc(0)), filename: 'short.dcm' }] },
    { name: 'three noise .dcm files', files: [1, 2, 3].map((i) => ({ bytes: dicomLike(noiseBytes(2048, 30 + i)), filename: `n${i}.dcm` })) },
    { name: 'text named .dcm', files: [{ bytes: Buffer.from('hello, not a dicom file'), filename: 'x.dcm' }] },
    { name: 'empty file', files: [{ bytes: Buffer.alloc(0), filename: 'empty.nii.gz' }], code: 'EMPTY_FILE' },
    { name: 'an empty file among a series', files: [0, 1].map((i) => ({ bytes: mrDicom({ rows: 64, columns: 64, bitsAllocated: 16, words: Array.from({ length: 4096 }, (_, k) => (k + i) & 0xfff) }), filename: `IM${i}.dcm` })).concat([{ bytes: Buffer.alloc(0), filename: 'IM2.dcm' }]), code: 'EMPTY_FILE' },
    { name: 'JPEG Lossless DICOM cut in its entropy-coded data', files: [{ bytes: losslessDicom((j) => j.subarray(0, j.length / 2)), filename: 'ljpeg-cut.dcm' }], code: 'CORRUPT_IMAGE' },
    { name: 'JPEG Lossless DICOM whose stream is noise', files: [{ bytes: losslessDicom(() => noiseBytes(20_000, 41)), filename: 'ljpeg-noise.dcm' }], code: 'CORRUPT_IMAGE' },
    { name: 'JPEG Lossless DICOM, entropy-coded data replaced by noise', files: [{ bytes: losslessDicom((j) => Uint8Array.from([...j.subarray(0, 80), ...noiseBytes(j.length - 80, 42)])), filename: 'ljpeg-garbled.dcm' }], code: 'CORRUPT_IMAGE' },
    { name: 'JPEG Lossless DICOM whose frame header claims 65535 × 65535 (bomb)', files: [{ bytes: losslessDicom(sofSize(65535, 65535)), filename: 'ljpeg-bomb.dcm' }], code: 'RESOLUTION_OUT_OF_RANGE' },
    { name: 'JPEG Lossless DICOM whose frame header says 256 × 255 for 256 × 256', files: [{ bytes: losslessDicom(sofSize(256, 255)), filename: 'ljpeg-size.dcm' }], code: 'CORRUPT_IMAGE' },
    { name: 'JPEG Lossless DICOM: 12-bit samples in an 8-bit header', files: [{ bytes: losslessDicom((j) => j, 8), filename: 'ljpeg-depth.dcm' }], code: 'CORRUPT_IMAGE' },
    { name: 'JPEG Extended DICOM cut in its entropy-coded data', files: [{ bytes: extendedDicom((j) => j.subarray(0, j.length / 2)), filename: 'xjpeg-cut.dcm' }], code: 'CORRUPT_IMAGE' },
    { name: 'JPEG Extended DICOM whose stream is noise', files: [{ bytes: extendedDicom(() => noiseBytes(20_000, 48)), filename: 'xjpeg-noise.dcm' }], code: 'CORRUPT_IMAGE' },
    { name: 'JPEG Extended DICOM, entropy-coded data replaced by noise', files: [{ bytes: extendedDicom((j) => Uint8Array.from([...j.subarray(0, 700), ...noiseBytes(j.length - 700, 49)])), filename: 'xjpeg-garbled.dcm' }], code: 'CORRUPT_IMAGE' },
    { name: 'JPEG Extended DICOM whose frame header claims 65535 × 65535 (bomb)', files: [{ bytes: extendedDicom(sof1Size(65535, 65535)), filename: 'xjpeg-bomb.dcm' }], code: 'RESOLUTION_OUT_OF_RANGE' },
    { name: 'JPEG Extended DICOM whose frame header says 256 × 255 for 256 × 256', files: [{ bytes: extendedDicom(sof1Size(256, 255)), filename: 'xjpeg-size.dcm' }], code: 'CORRUPT_IMAGE' },
    { name: 'JPEG Extended DICOM: 12-bit samples in an 8-bit header', files: [{ bytes: extendedDicom((j) => j, 8), filename: 'xjpeg-depth.dcm' }], code: 'CORRUPT_IMAGE' },
  ];
  return cases;
}

describe('hostile study uploads (POST /api/v1/studies)', () => {
  let app: NestExpressApplication;
  const outcomes: { name: string; status: number; body: Record<string, unknown> }[] = [];
  let cases: StudyCase[] = [];

  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, STUDY_MAX_BYTES: String(16 * MB), RATE_LIMIT_ANALYSES_PER_MINUTE: '100' }));
    const { bearer } = await loginAs(app);
    cases = [...corpus(), ...(await wasmCases())];
    for (const c of cases) {
      let req = request(app.getHttpServer()).post('/api/v1/studies').set(bearer).set('Accept', 'application/json');
      for (const f of c.files) req = req.attach('files', f.bytes, { filename: f.filename, contentType: 'application/octet-stream' });
      const res = await req;
      outcomes.push({ name: c.name, status: res.status, body: (res.body ?? {}) as Record<string, unknown> });
    }
  });

  afterAll(async () => {
    await app?.close();
    codecThread.end();
  });

  it('answers every hostile study with a 4xx and the JSON error shape — never 5xx, never completed', () => {
    console.info(outcomes.map((o) => `${o.name}: ${o.status} ${o.body.code}`).join('\n'));
    expect(outcomes.length).toBeGreaterThanOrEqual(20);
    const wrong = outcomes.filter((o) => !(o.status >= 400 && o.status < 500) || typeof o.body.code !== 'string');
    expect(wrong).toEqual([]);
  });

  it('gives the cases whose error is certain that error (JPEG Lossless, JPEG Extended, JPEG-LS, JPEG 2000, HTJ2K: damaged streams 422 CORRUPT_IMAGE, bombs 422 RESOLUTION_OUT_OF_RANGE)', () => {
    const expected = cases.filter((c) => c.code);
    expect(expected.length).toBeGreaterThanOrEqual(13);
    const got = expected.map((c) => ({ name: c.name, code: outcomes.find((o) => o.name === c.name)?.body.code }));
    expect(got).toEqual(expected.map((c) => ({ name: c.name, code: c.code })));
  });

  it('wrote nothing outside memory for traversal names', () => {
    expect(fs.existsSync('/tmp/sentinel-pwned.dcm')).toBe(false);
  });

  it('is still ready afterwards', async () => {
    const res = await request(app.getHttpServer()).get('/readyz');
    expect(res.status).toBe(200);
  });
});
