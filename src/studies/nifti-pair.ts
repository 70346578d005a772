import type { ByteBudget, StudyPart } from './archive';
import { sniffKind } from './file-kinds';
import { niftiExtent } from './nifti';
import { CorruptStudyError, fileLabel } from './study-errors';

/** A NIfTI-1 pair's .hdr: sizeof_hdr 348 (either byte order) and the magic "ni1" (Analyze 7.5 has none). */
export function isNiftiPairHeader(b: Uint8Array): boolean {
  if (b.length < 348) return false;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return (dv.getInt32(0, true) === 348 || dv.getInt32(0, false) === 348) && b[344] === 0x6e && b[345] === 0x69 && b[346] === 0x31 && b[347] === 0;
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
 */
export function joinNiftiPair(parts: StudyPart[], budget: ByteBudget): { bytes: Uint8Array; part: StudyPart } | null {
  if (parts.length !== 2 || parts.some((p) => p.entryName !== undefined)) return null;
  const h = parts.findIndex((p) => isNiftiPairHeader(p.bytes));
  if (h < 0) return null;
  const hdr = parts[h];
  const img = parts[1 - h];
  if (!img.bytes.length || sniffKind(img.bytes.subarray(0, 352), img.bytes.length) !== 'other') return null;

  const header = new Uint8Array(352);
  header.set(hdr.bytes.subarray(0, 348));
  const dv = new DataView(header.buffer);
  const le = dv.getInt32(0, true) === 348;
  const imgOffset = dv.getFloat32(108, le);
  if (!Number.isInteger(imgOffset) || imgOffset < 0) throw new CorruptStudyError(`${fileLabel(hdr.pos)} has an invalid NIfTI voxel offset.`);
  header.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1"
  dv.setFloat32(108, 352, le);
  const { firstVolumeEnd, declaredEnd } = niftiExtent(header, hdr.pos);
  const declared = imgOffset + (declaredEnd - 352);
  if (img.bytes.length < declared) {
    throw new CorruptStudyError(
      `${capital(fileLabel(img.pos))} holds ${bytesOf(img.bytes.length)}, but the NIfTI-1 header (${fileLabel(hdr.pos)}) declares ${bytesOf(declared)} of voxels: it is not that header's .img, or it is cut.`,
    );
  }
  budget.take(firstVolumeEnd);
  const bytes = new Uint8Array(firstVolumeEnd);
  bytes.set(header);
  bytes.set(img.bytes.subarray(imgOffset, imgOffset + firstVolumeEnd - 352), 352);
  return { bytes, part: hdr };
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
/** exact: a .img two bytes short of its header's size is as wrong as one 2 MB short */
const bytesOf = (n: number) => `${n.toLocaleString('en-GB')} bytes`;
