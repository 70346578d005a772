/**
 * Valid seed uploads for scripts/fuzz-uploads.ts, built in code with the test builders (nothing
 * read from ../shared, nothing written to disk): the image route's PNGs and JPEGs, and one study
 * of every kind the study route reads — DICOM in each transfer syntax, Enhanced multi-frame, NIfTI
 * (.nii, .nii.gz, .hdr + .img), ZIPs of them.
 */
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { dicomSeries, dicomSlice, GreySlice, nifti1, syntheticSlice, zip } from '../../test/support/study-fixtures';
import { dicomJpegSlice } from '../../test/support/jpeg-dicom-fixtures';
import { dicomEnhanced } from '../../test/support/enhanced-dicom-fixtures';
import { el, mrDicom } from '../../test/support/dicom-pixel-fixtures';
import { encodeHtj2k, encodeJ2k, encodeJpegLs } from '../../test/support/wasm-encoders';
import { encodeDctJpeg, JPEG_EXTENDED, phantom } from '../../test/support/jpeg-dct-fixtures';
import { HTJ2K, J2K, JPEG_LS } from '../../test/support/colour-dicom-fixtures';

export interface FilePart {
  name: string;
  data: Buffer;
}

export interface Seed {
  kind: 'image' | 'study';
  name: string;
  files: FilePart[];
}

/** A head-like phantom: a bright ellipse with texture on black (the fake and real triage see "something"). */
const brainish = (w: number, h: number, z = 0): GreySlice =>
  syntheticSlice(w, h, (x, y) => {
    const dx = (x - w / 2) / (w * 0.4);
    const dy = (y - h / 2) / (h * 0.45);
    const r = dx * dx + dy * dy;
    return r < 1 ? 90 + 60 * Math.sin(x / 5 + z) * Math.cos(y / 7) + 40 * (1 - r) : 0;
  });

/** The 16-bit stored values dicomSlice writes (v·4 + 100). */
const stored = (s: GreySlice): Uint16Array => Uint16Array.from(s.data, (v) => v * 4 + 100);

async function encapsulatedSeries(syntax: string, encode: (s: GreySlice) => Promise<Uint8Array> | Uint8Array, n = 3, side = 64): Promise<FilePart[]> {
  const out: FilePart[] = [];
  for (let i = 0; i < n; i++) {
    const s = brainish(side, side, i);
    const frame = await encode(s);
    out.push({ name: `IM${i + 1}.dcm`, data: mrDicom({ rows: side, columns: side, bitsAllocated: 16, pixelData: el.encapsulated([frame]), transferSyntax: syntax, z: 5 * i, instanceNumber: i + 1 }) });
  }
  return out;
}

function deflated(file: Buffer): Buffer {
  const groupLength = file.readUInt32LE(132 + 8);
  const metaEnd = 132 + 12 + groupLength;
  return Buffer.concat([file.subarray(0, metaEnd), zlib.deflateRawSync(file.subarray(metaEnd))]);
}

export async function buildSeeds(): Promise<Seed[]> {
  const grey = brainish(256, 256);
  const raw = sharp(Buffer.from(grey.data), { raw: { width: 256, height: 256, channels: 1 } });
  const seeds: Seed[] = [
    { kind: 'image', name: 'png8', files: [{ name: 'scan.png', data: await raw.clone().png().toBuffer() }] },
    { kind: 'image', name: 'png16', files: [{ name: 'scan.png', data: await raw.clone().toColourspace('grey16').png().toBuffer() }] },
    { kind: 'image', name: 'jpeg', files: [{ name: 'scan.jpg', data: await raw.clone().jpeg({ quality: 90 }).toBuffer() }] },
    { kind: 'image', name: 'jpeg-progressive', files: [{ name: 'scan.jpg', data: await raw.clone().jpeg({ progressive: true }).toBuffer() }] },
    { kind: 'image', name: 'png-rgb-interlaced', files: [{ name: 'scan.png', data: await raw.clone().toColourspace('srgb').png({ progressive: true }).toBuffer() }] },
  ];
  const slices = [0, 1, 2].map((z) => brainish(64, 64, z));
  const native = dicomSeries(slices).map((data, i) => ({ name: `IM${i + 1}.dcm`, data }));
  const study = (name: string, files: FilePart[]): Seed => ({ kind: 'study', name, files });
  seeds.push(
    study('dicom-native', native),
    study('dicom-implicit', dicomSeries(slices, { transferSyntax: '1.2.840.10008.1.2' }).map((data, i) => ({ name: `IM${i}`, data }))),
    study('dicom-bigendian', dicomSeries(slices, { transferSyntax: '1.2.840.10008.1.2.2' }).map((data, i) => ({ name: `IM${i}`, data }))),
    study('dicom-deflate', dicomSeries(slices, { transferSyntax: '1.2.840.10008.1.2.1.99' }).map((data, i) => ({ name: `IM${i}`, data: deflated(data) }))),
    study('dicom-rle', dicomSeries(slices, { rle: true }).map((data, i) => ({ name: `IM${i}.dcm`, data }))),
    study('dicom-jpeg-lossless', dicomSeries(slices, { jpegLossless: true }).map((data, i) => ({ name: `IM${i}.dcm`, data }))),
    study('dicom-jpeg-baseline', await Promise.all(slices.map(async (s, i) => ({ name: `IM${i}.dcm`, data: await dicomJpegSlice(s, { z: 5 * i, instanceNumber: i + 1 }) })))),
    study('dicom-jpeg-extended', await encapsulatedSeries(JPEG_EXTENDED, () => encodeDctJpeg(phantom(64, 64, 12), { width: 64, height: 64, precision: 12 }).stream)),
    study('dicom-jpeg-ls', await encapsulatedSeries(JPEG_LS, (s) => encodeJpegLs(stored(s), { width: 64, height: 64, bits: 16 }))),
    study('dicom-j2k', await encapsulatedSeries(J2K, (s) => encodeJ2k(stored(s), { width: 64, height: 64, bits: 16 }))),
    study('dicom-htj2k', await encapsulatedSeries(HTJ2K, (s) => encodeHtj2k(stored(s), { width: 64, height: 64, bits: 16 }))),
    study('dicom-enhanced', [{ name: 'enhanced.dcm', data: dicomEnhanced(slices, [0, 5, 10]) }]),
    study('dicom-zip', [{ name: 'series.zip', data: zip(Object.fromEntries(native.map((f) => [`DICOM/${f.name}`, f.data]))) }]),
  );
  const nii = nifti1([64, 64, 6], (i, j, k) => brainish(64, 64, k).data[j * 64 + i] * 4);
  const hdr = Buffer.from(nii.subarray(0, 348));
  hdr.write('ni1\0', 344, 'latin1');
  hdr.writeFloatLE(0, 108);
  seeds.push(
    study('nifti', [{ name: 'brain.nii', data: nii }]),
    study('nifti-gz', [{ name: 'brain.nii.gz', data: zlib.gzipSync(nii) }]),
    study('nifti-pair', [
      { name: 'brain.hdr', data: hdr },
      { name: 'brain.img', data: Buffer.from(nii.subarray(352)) },
    ]),
    study('nifti-zip', [{ name: 'nifti.zip', data: zip({ 'brain.nii.gz': zlib.gzipSync(nii), 'README.txt': Buffer.from('readme') }) }]),
    study('dicom-single', [{ name: 'one.dcm', data: dicomSlice(brainish(128, 128)) }]),
  );
  return seeds;
}
