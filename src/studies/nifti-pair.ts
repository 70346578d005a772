import type { ByteBudget, StudyPart } from './archive';
import { sniffKind } from './file-kinds';
import { niftiExtent } from './nifti';
import { CorruptStudyError, FilePosition, fileLabel } from './study-errors';

/** A NIfTI-1 pair's .hdr: sizeof_hdr 348 (either byte order) and the magic "ni1" (Analyze 7.5 has none). */
export function isNiftiPairHeader(b: Uint8Array): boolean {
  if (b.length < 348) return false;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return (dv.getInt32(0, true) === 348 || dv.getInt32(0, false) === 348) && b[344] === 0x6e && b[345] === 0x69 && b[346] === 0x31 && b[347] === 0;
}

/** How a pair's .hdr reads its .img: the header made a single file's, and the part of the .img that is the first volume. */
export interface PairLayout {
  /** the .hdr's 348 bytes as a single file's header: "n+1", voxels from byte 352, no extensions */
  header: Uint8Array;
  /** where the first volume starts in the .img (the header's vox_offset) and where it ends */
  firstStart: number;
  firstEnd: number;
  /** bytes the .img must hold: every volume the header declares */
  declared: number;
}

/** The .hdr (magic "ni1") → how its .img is read; its refusal by name (data type, dimensions) as a single file's. */
export function pairLayout(hdr: Uint8Array, pos: FilePosition): PairLayout {
  const header = new Uint8Array(352);
  header.set(hdr.subarray(0, 348));
  const dv = new DataView(header.buffer);
  const le = dv.getInt32(0, true) === 348;
  const imgOffset = dv.getFloat32(108, le);
  if (!Number.isInteger(imgOffset) || imgOffset < 0) throw new CorruptStudyError(`${fileLabel(pos)} has an invalid NIfTI voxel offset.`);
  header.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1"
  dv.setFloat32(108, 352, le);
  const { firstVolumeEnd, declaredEnd } = niftiExtent(header, pos);
  return { header, firstStart: imgOffset, firstEnd: imgOffset + firstVolumeEnd - 352, declared: imgOffset + (declaredEnd - 352) };
}

/** an .img shorter than its header declares → 422 naming both */
export function shortImg(imgPos: FilePosition, imgLength: number, hdrPos: FilePosition, declared: number): CorruptStudyError {
  return new CorruptStudyError(
    `${capital(fileLabel(imgPos))} holds ${bytesOf(imgLength)}, but the NIfTI-1 header (${fileLabel(hdrPos)}) declares ${bytesOf(declared)} of voxels: it is not that header's .img, or it is cut.`,
  );
}

/** the refusal of a pair's .hdr uploaded with other files than its .img */
export function pairHeaderRefused(hdrPos: FilePosition): string {
  return `${capital(fileLabel(hdrPos))} is the header (.hdr) of a NIfTI-1 pair, whose voxels are in a separate .img: the pair is read when its .hdr and .img are the upload's only two files, or side by side in a ZIP. Upload those two alone (or a ZIP of them), or one .nii or .nii.gz file.`;
}

/** the refusal of an Analyze 7.5 .hdr (no NIfTI magic), wherever its pair was found */
export function analyzeRefused(hdrPos: FilePosition): string {
  return `${fileLabel(hdrPos)} is the header (.hdr) of an Analyze 7.5 volume (no NIfTI magic: its orientation is undefined), whose voxels are in a separate .img: it is not read. Convert it to one .nii or .nii.gz file (e.g. nibabel, FSL fslchfiletype NIFTI_GZ, 3D Slicer) and upload that.`;
}

/**
 * A NIfTI-1 pair uploaded as its two files — the .hdr (magic "ni1") and the .img — read as the one
 * volume they are: the header, made a single file's ("n+1", voxels from byte 352, no extensions),
 * followed by the .img's first volume, from the header's vox_offset (a byte offset into the .img,
 * 0 as FSL and nibabel write pairs). Only when they are the upload's only two files, outside any
 * ZIP: names are not sent, and raw voxels have no signature, so the one other file must be the
 * .img — and it must hold every volume the header declares, or it is not this header's .img (422
 * naming both). The first volume is copied (charged to the budget); the rest are not read.
 * Analyze 7.5 (no magic: no defined orientation) is not paired; null whenever this is no pair.
 * Inside a ZIP, where entry names are known, pairs are found by name (zip-pairs.ts).
 */
export function joinNiftiPair(parts: StudyPart[], budget: ByteBudget): { bytes: Uint8Array; part: StudyPart } | null {
  if (parts.length !== 2 || parts.some((p) => p.entryName !== undefined)) return null;
  const h = parts.findIndex((p) => isNiftiPairHeader(p.bytes));
  if (h < 0) return null;
  const hdr = parts[h];
  const img = parts[1 - h];
  if (!img.bytes.length || sniffKind(img.bytes.subarray(0, 352), img.bytes.length) !== 'other') return null;

  const { header, firstStart, firstEnd, declared } = pairLayout(hdr.bytes, hdr.pos);
  if (img.bytes.length < declared) throw shortImg(img.pos, img.bytes.length, hdr.pos, declared);
  budget.take(header.length + firstEnd - firstStart);
  const bytes = new Uint8Array(header.length + firstEnd - firstStart);
  bytes.set(header);
  bytes.set(img.bytes.subarray(firstStart, firstEnd), header.length);
  return { bytes, part: hdr };
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
/** exact: a .img two bytes short of its header's size is as wrong as one 2 MB short */
const bytesOf = (n: number) => `${n.toLocaleString('en-GB')} bytes`;
