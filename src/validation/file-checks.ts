import { EmptyFileError, FileTooLargeError, UnsupportedTypeError } from '../common/errors';
import { sniffKind, type FileKind } from '../studies/file-kinds';
import { refuseAnimatedPng } from './png-animation';

export type ImageType = 'jpeg' | 'png';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** JPEG or PNG by magic bytes only — never the file name or the browser's MIME type. */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  return null;
}

/**
 * Byte-level checks, before any decoding: size (none, or over the limit: multer already cut the upload off at the
 * limit; this guards other callers such as the CLI) then type, then for a PNG its chunk list: an
 * animated PNG is refused (png-animation.ts) because the decoder reads only its default image.
 * Decodability and resolution are checked by the decoder, which reads the header first.
 */
export function checkFileBytes(bytes: Uint8Array, maxBytes: number): ImageType {
  if (bytes.length > maxBytes) throw new FileTooLargeError(maxBytes);
  if (bytes.length === 0) throw new EmptyFileError();
  const type = sniffImageType(bytes);
  if (!type) throw new UnsupportedTypeError(studyFileRefusal(sniffKind(bytes, bytes.length)));
  if (type === 'png') refuseAnimatedPng(bytes);
  return type;
}

const STUDY_KIND_NAMES: Partial<Record<FileKind, string>> = {
  dicom: 'a DICOM file',
  bare_dicom: 'a DICOM file',
  nifti: 'a NIfTI volume',
  gzip: 'a gzip file (a .nii.gz volume?)',
  zip: 'a ZIP archive',
};

/**
 * A scan the study analysis reads, sent here by mistake, was told only "Only JPEG and PNG images are accepted":
 * the refusal names what it is and where it goes. Any other file keeps the plain sentence (no guess).
 */
function studyFileRefusal(kind: FileKind): string | undefined {
  const what = STUDY_KIND_NAMES[kind];
  if (!what) return undefined;
  return `This is ${what}, not a JPEG or PNG image. DICOM series, NIfTI volumes and ZIPs of them go to the study analysis (the Study page, or POST /api/v1/studies).`;
}
