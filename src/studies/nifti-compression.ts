import * as zlib from 'node:zlib';
import { looksLikeNifti } from './file-kinds';
import { FilePosition, fileLabel } from './study-errors';

/**
 * Compressed bytes inflated to see whether a deflate stream holds a NIfTI header. Deflate expands
 * at most ~1032:1, so the peek yields at most ~1 MB; a NIfTI header (352 bytes, mostly zeros) takes
 * far fewer than this even in stored blocks.
 */
const PEEK_BYTES = 1024;

/** RFC 1950: deflate (CM 8), a window of at most 32 KiB, and a header check that divides by 31. */
function isZlib(b: Uint8Array): boolean {
  return b.length >= 2 && (b[0] & 0x0f) === 8 && b[0] >> 4 <= 7 && ((b[0] << 8) | b[1]) % 31 === 0;
}

/** "BZh" + block size '1'–'9' + the first block's magic (the digits of π). */
function isBzip2(b: Uint8Array): boolean {
  const magic = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
  return b.length >= 10 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68 && b[3] >= 0x31 && b[3] <= 0x39 && magic.every((m, i) => b[4 + i] === m);
}

function isZstd(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd;
}

/** The start of what a deflate stream inflates to (a cut stream gives what it decoded), or null when it is none. */
function peek(b: Uint8Array, raw: boolean): Uint8Array | null {
  const input = b.subarray(0, PEEK_BYTES);
  const opts = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  try {
    return raw ? zlib.inflateRawSync(input, opts) : zlib.inflateSync(input, opts);
  } catch {
    return null;
  }
}

/**
 * Why a file that is not a study file is refused when it is a NIfTI volume compressed in a way
 * the service does not read, or null. Every NIfTI tool that compresses — FSL (NIFTI_GZ), dcm2niix
 * (-z), nibabel, AFNI, znzlib; SPM writes .nii as is — writes gzip (.nii.gz), which is read;
 * nibabel also reads .nii.bz2 and .nii.zst. A zlib stream (Python's zlib.compress, a hand-written script) or a raw deflate stream
 * is written by none of them, so none would open the file: it is named, not read — a raw stream
 * has no checksum either, so damage to it could not be found — with what to do. A bare zlib or
 * deflate stream has no signature beyond RFC 1950's two bytes: it is named only when its first
 * bytes inflate to a NIfTI header. bzip2 and zstd files are named from their magic numbers (their
 * contents cannot be looked into here).
 */
export function misCompressedNifti(b: Uint8Array, pos: FilePosition): string | null {
  const file = fileLabel(pos);
  const todo = 'Upload the .nii itself, or gzip it (gzip volume.nii → volume.nii.gz), as FSL, dcm2niix and nibabel write it.';
  if (isZlib(b) && looksLikeNifti(peek(b, false) ?? new Uint8Array(0))) {
    return `${file} is a NIfTI volume compressed as a zlib stream, not gzip: no NIfTI tool writes or reads that. ${todo}`;
  }
  if (isBzip2(b)) {
    return `${file} is bzip2-compressed (.bz2), which a study does not read. If it is a NIfTI volume (.nii.bz2), decompress it (bunzip2) and upload the .nii, or gzip that (.nii.gz).`;
  }
  if (isZstd(b)) {
    return `${file} is Zstandard-compressed (.zst), which a study does not read. If it is a NIfTI volume (.nii.zst), decompress it (unzstd) and upload the .nii, or gzip that (.nii.gz).`;
  }
  if (looksLikeNifti(peek(b, true) ?? new Uint8Array(0))) {
    return `${file} is a NIfTI volume compressed as a raw deflate stream (no gzip or zlib header, no checksum): no NIfTI tool writes or reads that. ${todo}`;
  }
  return null;
}
