/**
 * DICOM, NIfTI and ZIP fixtures built in memory at test time (nothing is committed): DICOM
 * files are written with dcmjs (a different library from the dicom-parser the service reads
 * with), NIfTI-1 headers are written by hand, ZIPs with fflate. Compressed and Enhanced (multi-frame)
 * DICOM: rle-fixtures.ts, jpeg-dicom-fixtures.ts, enhanced-dicom-fixtures.ts.
 */
import { gzipSync, zipSync } from 'fflate';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { SHARED_DIR } from './app';
import { rleEncode16 } from './rle-fixtures';
import { encodeLosslessJpeg, JPEG_LOSSLESS_SV1 } from './jpeg-lossless-fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require('dcmjs');
const { DicomDict, DicomMetaDictionary } = dcmjs.data;

export const MARKER = 'ZZMARKERSECRET';

export interface GreySlice {
  width: number;
  height: number;
  /** 8-bit grey values */
  data: Uint8Array;
}

export interface DicomOptions {
  modality?: string;
  /** null: no SeriesInstanceUID at all (e.g. stripped by an anonymiser) */
  seriesUid?: string | null;
  /** SOPInstanceUID (default: a fresh one per call) */
  sopInstanceUid?: string;
  /** Series Number (0020,0011); absent by default */
  seriesNumber?: number;
  /** Image Type (0008,0008), e.g. ['ORIGINAL', 'PRIMARY', 'LOCALIZER']; absent by default */
  imageType?: string[];
  /** ImageOrientationPatient (default axial [1,0,0,0,1,0]) */
  orientation?: number[];
  /** SamplesPerPixel written as is (default 1): pixel data are left as written for 1 */
  samplesPerPixel?: number;
  /** BitsAllocated / BitsStored written as is (default 16) */
  bitsAllocated?: number;
  /** Float Pixel Data (7FE0,0008) instead of Pixel Data, as a parametric map has */
  floatPixelData?: boolean;
  /** classic multi-frame (no functional groups): the slice's rows hold this many frames stacked */
  numberOfFrames?: number;
  patientName?: string;
  patientId?: string;
  seriesDescription?: string;
  /** Body Part Examined (0018,0015); absent by default */
  bodyPart?: string;
  institution?: string;
  transferSyntax?: string;
  /** write ImagePositionPatient (default true) */
  geometry?: boolean;
  /** write WindowCenter/Width (default true) */
  window?: boolean;
  /** PhotometricInterpretation written as is (default MONOCHROME2) */
  photometric?: string;
  /** write the pixel data RLE Lossless-compressed (encapsulated, our own encoder) */
  rle?: boolean;
  /** write the pixel data JPEG Lossless SV1-compressed (encapsulated, jpeg-lossless-fixtures.ts) */
  jpegLossless?: boolean;
  /** claim this (compressed) transfer syntax, with one encapsulated fragment (`fragment`, else junk) */
  encapsulatedAs?: string;
  fragment?: Uint8Array;
  /** 8-bit stored values (BitsAllocated 8), no rescale or window */
  bits8?: boolean;
  instanceNumber?: number;
  z?: number;
  /** ImagePositionPatient (default [-115, -115, z]) */
  position?: number[];
  /** Pixel Spacing (0028,0030) as [between rows, between columns] mm (default [0.9, 0.9]); null: not written */
  pixelSpacing?: [number, number] | null;
  /** more attributes by their dcmjs keyword (OtherPatientNames…), written as given */
  tags?: Record<string, unknown>;
}

/**
 * One MR slice as DICOM: stored = v·4 + 100 (uint16) with RescaleSlope 0.25 and intercept −25,
 * so the modality value is v again, and a window (128, 256) that maps it back to exactly v.
 */
export function dicomSlice(slice: GreySlice, o: DicomOptions = {}): Buffer {
  const px = storedValues(slice);
  const sop = o.sopInstanceUid ?? DicomMetaDictionary.uid();
  const ds: Record<string, unknown> = {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.4',
    SOPInstanceUID: sop,
    Modality: o.modality ?? 'MR',
    PatientName: o.patientName ?? `${MARKER}^JANE`,
    PatientID: o.patientId ?? `${MARKER}-ID-123`,
    PatientBirthDate: '19700101',
    AccessionNumber: `${MARKER}ACC`,
    InstitutionName: o.institution ?? `${MARKER} Hospital`,
    SeriesDescription: o.seriesDescription ?? 'AX T1 POST',
    StudyInstanceUID: '1.2.826.0.1.3680043.8.498.1',
    SeriesInstanceUID: o.seriesUid ?? '1.2.826.0.1.3680043.8.498.2',
    InstanceNumber: o.instanceNumber ?? 1,
    Rows: slice.height,
    Columns: slice.width,
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 0,
    SamplesPerPixel: 1,
    PhotometricInterpretation: o.photometric ?? 'MONOCHROME2',
    RescaleSlope: '0.25',
    RescaleIntercept: '-25',
    PixelSpacing: [0.9, 0.9],
    SliceThickness: 5,
    PixelData: [
      o.rle
        ? rleEncode16(px).buffer
        : o.jpegLossless
          ? encodeLosslessJpeg(px, { width: slice.width, height: slice.height, precision: 16 }).buffer
          : o.encapsulatedAs
          ? (o.fragment ? Uint8Array.from(o.fragment) : new Uint8Array(1000).fill(0xab)).buffer
          : px.buffer,
    ],
    _vrMap: { PixelData: o.rle || o.jpegLossless || o.encapsulatedAs ? 'OB' : 'OW' },
  };
  if (o.bodyPart !== undefined) ds.BodyPartExamined = o.bodyPart;
  if (o.tags) Object.assign(ds, o.tags);
  if (o.pixelSpacing === null) delete ds.PixelSpacing;
  else if (o.pixelSpacing) ds.PixelSpacing = o.pixelSpacing;
  if (o.seriesUid === null) delete ds.SeriesInstanceUID;
  if (o.numberOfFrames !== undefined) Object.assign(ds, { NumberOfFrames: o.numberOfFrames, Rows: slice.height / o.numberOfFrames });
  if (o.seriesNumber !== undefined) ds.SeriesNumber = o.seriesNumber;
  if (o.imageType) ds.ImageType = o.imageType;
  if (o.samplesPerPixel !== undefined) ds.SamplesPerPixel = o.samplesPerPixel;
  if (o.bitsAllocated !== undefined) Object.assign(ds, { BitsAllocated: o.bitsAllocated, BitsStored: o.bitsAllocated, HighBit: o.bitsAllocated - 1 });
  if (o.floatPixelData) {
    delete ds.PixelData;
    Object.assign(ds, { BitsAllocated: 32, FloatPixelData: [new Float32Array(slice.width * slice.height).buffer], _vrMap: { FloatPixelData: 'OF' } });
    for (const k of ['BitsStored', 'HighBit', 'PixelRepresentation', 'RescaleSlope', 'RescaleIntercept']) delete ds[k];
  }
  if (o.bits8) {
    Object.assign(ds, { BitsAllocated: 8, BitsStored: 8, HighBit: 7, RescaleSlope: '1', RescaleIntercept: '0' });
  }
  if (o.window !== false) {
    ds.WindowCenter = '128';
    ds.WindowWidth = '256';
  }
  if (o.geometry !== false) {
    ds.ImagePositionPatient = o.position ?? [-115, -115, o.z ?? 0];
    ds.ImageOrientationPatient = o.orientation ?? [1, 0, 0, 0, 1, 0];
  }
  return part10(ds, o.rle ? '1.2.840.10008.1.2.5' : o.jpegLossless ? JPEG_LOSSLESS_SV1 : o.encapsulatedAs ?? o.transferSyntax ?? '1.2.840.10008.1.2.1');
}

/** The 16-bit stored values dicomSlice writes for a slice (v·4 + 100): what a compressed fixture of it must encode. */
export function storedValues(slice: GreySlice): Uint16Array {
  return Uint16Array.from(slice.data, (v) => v * 4 + 100);
}

/** A naturalised dcmjs dataset (with SOPClassUID and SOPInstanceUID) written as a Part 10 file. */
export function part10(ds: Record<string, unknown>, transferSyntax: string): Buffer {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: ds.SOPClassUID,
    MediaStorageSOPInstanceUID: ds.SOPInstanceUID,
    TransferSyntaxUID: transferSyntax,
    ImplementationClassUID: '1.2.826.0.1.3680043.8.498.99',
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(ds);
  return Buffer.from(dict.write());
}

/** A fresh DICOM UID. */
export function newUid(): string {
  return DicomMetaDictionary.uid();
}

/** A series: slice i at z = 5·i, instance number i+1; files returned in the given order. */
export function dicomSeries(slices: GreySlice[], o: DicomOptions = {}): Buffer[] {
  return slices.map((s, i) => dicomSlice(s, { ...o, z: i * 5, instanceNumber: i + 1 }));
}

export function zip(entries: Record<string, Uint8Array>): Buffer {
  return Buffer.from(zipSync(entries, { level: 6 }));
}

/** A uniform or gradient grey slice (bright ⇒ the fake triage says brain). */
export function syntheticSlice(width: number, height: number, f: (x: number, y: number) => number): GreySlice {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = Math.max(0, Math.min(255, Math.round(f(x, y))));
  return { width, height, data };
}

/**
 * NIfTI-1 single file (.nii): int16 data, scl_slope/scl_inter as given, dim_info slice_dim.
 * `voxel(i, j, k)` gives the stored value.
 */
export function nifti1(
  dims: [number, number, number],
  voxel: (i: number, j: number, k: number) => number,
  o: { slope?: number; inter?: number; sliceDim?: number; pixdim?: [number, number, number]; description?: string } = {},
): Buffer {
  const [nx, ny, nz] = dims;
  const hdr = Buffer.alloc(352);
  hdr.writeInt32LE(348, 0);
  hdr.writeUInt8(((o.sliceDim ?? 0) & 3) << 4, 39); // dim_info
  const dim = [3, nx, ny, nz, 1, 1, 1, 1];
  dim.forEach((v, i) => hdr.writeInt16LE(v, 40 + i * 2));
  hdr.writeInt16LE(4, 70); // datatype int16
  hdr.writeInt16LE(16, 72); // bitpix
  const pix = [1, ...(o.pixdim ?? [1, 1, 1]), 1, 1, 1, 1];
  pix.forEach((v, i) => hdr.writeFloatLE(v, 76 + i * 4));
  hdr.writeFloatLE(352, 108); // vox_offset
  hdr.writeFloatLE(o.slope ?? 1, 112);
  hdr.writeFloatLE(o.inter ?? 0, 116);
  hdr.writeUInt8(2 | 8, 123); // xyzt_units: mm, s
  hdr.write((o.description ?? '').slice(0, 79), 148, 'latin1');
  hdr.write('n+1\0', 344, 'latin1');
  const data = Buffer.alloc(nx * ny * nz * 2);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) data.writeInt16LE(voxel(i, j, k), 2 * (i + nx * (j + ny * k)));
  return Buffer.concat([hdr, data]);
}

export function gzip(b: Uint8Array): Buffer {
  return Buffer.from(gzipSync(b));
}

export const DATA_DIR = path.join(SHARED_DIR, 'data');

/** Brain MRI JPEGs listed in ../shared/data/MANIFEST.csv for a label (first `n`, sorted). */
export function brainImages(label: string, n: number, size = 256): string[] {
  const manifest = path.join(DATA_DIR, 'MANIFEST.csv');
  if (!fs.existsSync(manifest)) return [];
  const rows = fs.readFileSync(manifest, 'utf8').split('\n');
  const out: string[] = [];
  for (const r of rows) {
    const c = r.split(',');
    if (c[1] === 'brain_tumor_nickparvar' && c[6] === 'brain_tumor' && c[7] === label && c[c.length - 2] === String(size) && c[c.length - 1].trim() === String(size)) {
      out.push(path.join(DATA_DIR, c[0]));
      if (out.length >= n) break;
    }
  }
  return out;
}

/** Decodes a JPEG to 8-bit grey at a fixed size (test-time only; never written anywhere). */
export async function greyFromFile(file: string, size?: number): Promise<GreySlice> {
  let p = sharp(file).greyscale();
  if (size) p = p.resize(size, size, { fit: 'fill' });
  const { data, info } = await p.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height) };
}
