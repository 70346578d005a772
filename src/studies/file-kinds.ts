/**
 * What a study file is, from its first bytes alone: the signatures the readers look for. Kept
 * apart from the readers (and importing nothing) so the ZIP reader can sniff an entry's first
 * bytes before deciding whether to keep it, without an import cycle through archive.ts.
 */

/** Bytes enough to tell every kind below: the DICOM preamble + "DICM" (132) and the NIfTI-1 header (348). */
export const SNIFF_BYTES = 352;

export function isZip(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 0x03 || b[2] === 0x05) && (b[3] === 0x04 || b[3] === 0x06);
}

export function isGzip(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 0x08;
}

export function isDicomPart10(b: Uint8Array): boolean {
  return b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;
}

/** NIfTI-1/2 signature test on uncompressed bytes. */
export function looksLikeNifti(bytes: Uint8Array): boolean {
  if (bytes.length < 348) return false;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = [dv.getInt32(0, true), dv.getInt32(0, false)];
  if (size.includes(348)) return ascii(bytes, 344, 3) === 'n+1';
  if (size.includes(540)) return ascii(bytes, 4, 3) === 'n+2';
  return false;
}

/**
 * The header of a two-file volume: a NIfTI-1 pair's .hdr (sizeof_hdr 348, magic "ni1") or an
 * Analyze 7.5 .hdr (sizeof_hdr 348 and nothing after the header: no magic, no voxels). Its voxels
 * are in a separate .img, which the service does not pair up; the upload is refused by name.
 */
export function looksLikeNiftiPairHeader(bytes: Uint8Array): boolean {
  if (bytes.length < 348) return false;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getInt32(0, true) !== 348 && dv.getInt32(0, false) !== 348) return false;
  return ascii(bytes, 344, 4) === 'ni1\0' || bytes.length <= 352;
}

/**
 * A DICOM data set written without the Part 10 preamble and "DICM" (old exports, some PACS
 * dumps): it starts with a little-endian tag of group 0002 or 0008 — file meta or the identifying
 * group, the first groups any image has — followed by either an explicit VR (two capital letters)
 * or an implicit-VR length that fits the file. Such a file is a DICOM the service does not read,
 * so it is refused by name, never skipped as if it were a README.
 */
export function looksLikeBareDicom(b: Uint8Array, size: number): boolean {
  if (b.length < 8) return false;
  const group = b[0] | (b[1] << 8);
  if ((group !== 0x0002 && group !== 0x0008) || b[3] !== 0) return false; // first elements are below 0x0100
  const upper = (c: number) => c >= 0x41 && c <= 0x5a;
  if (upper(b[4]) && upper(b[5])) return true;
  const length = (b[4] | (b[5] << 8) | (b[6] << 16)) + b[7] * 0x1000000;
  return length > 0 && length <= Math.min(size - 8, 1024);
}

/** Bytes enough for otherArchiveName: a TAR's "ustar" magic ends at byte 262. */
export const ARCHIVE_SNIFF_BYTES = 262;

/**
 * An archive the service does not open, by its signature: a TAR ("ustar" at byte 257, POSIX and
 * GNU alike), 7-Zip or RAR (4 and 5). Null for anything else. A series packed so was told it "is
 * not a DICOM, NIfTI or ZIP file" and sent to the JPEG/PNG analysis; it is refused by this name.
 */
export function otherArchiveName(b: Uint8Array): string | null {
  if (b.length >= 262 && ascii(b, 257, 5) === 'ustar') return 'TAR';
  if (b.length >= 6 && [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c].every((v, i) => b[i] === v)) return '7-Zip';
  if (b.length >= 6 && ascii(b, 0, 6) === 'Rar!\x1a\x07') return 'RAR';
  return null;
}

export type FileKind = 'dicom' | 'nifti' | 'gzip' | 'zip' | 'bare_dicom' | 'other';

/** The kind of a file from its first SNIFF_BYTES bytes (fewer when the file is shorter); `size`: the whole file's. */
export function sniffKind(prefix: Uint8Array, size: number): FileKind {
  if (isDicomPart10(prefix)) return 'dicom';
  if (looksLikeNifti(prefix)) return 'nifti';
  if (isGzip(prefix)) return 'gzip'; // perhaps a .nii.gz: only its inflated bytes can tell
  if (isZip(prefix)) return 'zip';
  if (looksLikeBareDicom(prefix, size)) return 'bare_dicom';
  return 'other';
}

function ascii(b: Uint8Array, at: number, n: number): string {
  return String.fromCharCode(...b.subarray(at, at + n));
}
