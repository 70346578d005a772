import { FileCheckError } from '../common/errors';
import { humanBytes } from '../presentation/labels';

/**
 * Why a study cannot be analysed because of its files. Messages never quote a tag value or a
 * file name (both may carry patient identifiers): files are referred to by their position.
 */
export class StudyTooLargeError extends FileCheckError {
  readonly code = 'FILE_TOO_LARGE';
  readonly statusCode = 413;
  constructor(limitBytes: number, message = `The study exceeds the ${humanBytes(limitBytes)} limit (counted after decompression).`) {
    super(message);
  }
}

export class TooManySlicesError extends FileCheckError {
  readonly code = 'TOO_MANY_SLICES';
  readonly statusCode = 413;
  constructor(limit: number) {
    super(`The study has more than ${limit} slices.`);
  }
}

/** More files in the upload, or entries in an archive, than a study may hold (every kind counts). */
export class TooManyFilesError extends FileCheckError {
  readonly code = 'TOO_MANY_FILES';
  readonly statusCode = 413;
  constructor(limit: number, where: 'upload' | 'archive') {
    super(where === 'upload' ? `A study may have at most ${limit} files.` : `The ZIP archive holds more than ${limit} entries (folders and skipped files count too).`);
  }
}

/**
 * A sentence that starts with a file's position ("file 1 of 1 is not a DICOM…"), as the study
 * page shows it and the API returns it: with its capital letter.
 */
function sentence(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

export class UnsupportedStudyFileError extends FileCheckError {
  readonly code = 'UNSUPPORTED_TYPE';
  readonly statusCode = 415;
  constructor(message: string) {
    super(sentence(message));
  }
}

/**
 * A file uploaded on its own that is an archive the service does not open (file-kinds.ts
 * otherArchiveName): named, with what to do. `where`: "file 1 of 1", or "file 1 of the upload"
 * while it is still arriving (upload-sniff.ts); `more`: a sentence added after.
 */
export function otherArchiveRefused(where: string, what: string, more = ''): UnsupportedStudyFileError {
  return new UnsupportedStudyFileError(`${where} is a ${what}, which is not read: put the series' files in a ZIP archive instead, or upload the files themselves.${more}`);
}

/**
 * otherArchiveRefused's `more` for an upload (or, on the study page, a choice of files) over the
 * study limit: the ZIP that replaces the archive must be smaller too, or it is refused next for its size.
 */
export function archiveAlsoOverLimit(limitBytes: number): string {
  return ` It is also larger than the study's ${humanBytes(limitBytes)} limit (counted after decompression), so the ZIP must hold less.`;
}

/**
 * A DICOM data set written without the Part 10 preamble and "DICM" (file-kinds.ts looksLikeBareDicom),
 * refused by this one name whether it came loose or in a ZIP: loose, it was told it "is not a DICOM
 * file" and sent to the JPEG/PNG image analysis, though its owner holds a DICOM file.
 */
export function bareDicomRefused(pos: FilePosition): UnsupportedStudyFileError {
  return new UnsupportedStudyFileError(
    `${fileLabel(pos)} looks like a DICOM data set without the DICOM file header (no "DICM" preamble); this service reads DICOM Part 10 files only. Export the series as DICOM files (Part 10).`,
  );
}

export class UnsupportedTransferSyntaxError extends FileCheckError {
  readonly code = 'UNSUPPORTED_TRANSFER_SYNTAX';
  readonly statusCode = 415;
  constructor(uid: string, name: string | undefined) {
    super(
      `The DICOM pixel data is encoded as ${name ?? 'an unsupported transfer syntax'} (${uid}), which this service does not decode. ` +
        'Supported: uncompressed (implicit/explicit VR, little/big endian), deflated, RLE Lossless, 8-bit JPEG Baseline, 8- and 12-bit JPEG Extended (colour: 8-bit), JPEG Lossless, JPEG-LS, JPEG 2000 and HTJ2K. Convert the series to an uncompressed transfer syntax.',
    );
  }
}

export class CorruptStudyError extends FileCheckError {
  readonly code = 'CORRUPT_IMAGE';
  readonly statusCode = 422;
  constructor(message: string) {
    super(sentence(message));
  }
}

export class MixedSeriesError extends FileCheckError {
  readonly code = 'MIXED_SERIES';
  readonly statusCode = 422;
  constructor(what: string, message = `The files belong to more than one ${what}; upload one series at a time.`) {
    super(message);
  }
}

/**
 * Several different images at one slice position (multi-echo, dynamic, diffusion): counted as
 * slices they would let one position stand in for two (the study's two-slice rule), so refused.
 */
export class RepeatedPositionError extends MixedSeriesError {
  constructor(places: number, by: 'position' | 'instance_number') {
    const where =
      by === 'position'
        ? `at ${places > 1 ? `each of ${places} slice positions` : 'one slice position'}`
        : `with ${places > 1 ? `each of ${places} Instance Numbers` : 'one Instance Number'} (and no slice positions)`;
    super(
      'image per slice position',
      `The series has several different images ${where}, ` +
        'e.g. several echoes, time points or diffusion directions; a study is read as one image per position. ' +
        'Upload one echo / time point at a time (export it as its own series).',
    );
  }
}

/** Pixel encoding a DICOM file may validly use but this service does not read (415). */
export class UnsupportedPixelFormatError extends UnsupportedStudyFileError {
  constructor(pos: FilePosition, what: string) {
    super(`${fileLabel(pos)}: ${what} is not supported (grey 8/16/32-bit, 8-bit RGB, YBR or palette colour, and 16-bit RGB, are).`);
  }
}

/** Pixel encoding no valid DICOM image has (e.g. SamplesPerPixel 0): refused from the header (422). */
export class InvalidPixelFormatError extends CorruptStudyError {
  constructor(pos: FilePosition, what: string) {
    super(`${fileLabel(pos)}: the header declares ${what}, which no valid image has (corrupt file).`);
  }
}

/** What is unknown without each Image Pixel attribute (PS3.3 C.7.6.3) the reader refuses to guess (the standard leaves it open). */
const MISSING_PIXEL_TAGS = {
  PhotometricInterpretation: ['Photometric Interpretation (0028,0004)', 'whether low values are dark or light (MONOCHROME2 or MONOCHROME1) is unknown, and a guess may show the image inverted'],
  PixelRepresentation: ['Pixel Representation (0028,0103)', 'whether the values are signed is unknown, and a guess may show negative values as the brightest'],
  BitsAllocated: ['Bits Allocated (0028,0100)', 'how many bits each value takes (8, 16, 32…) is unknown, and a guess reads the pixel data as other values'],
  BitsStored: ['Bits Stored (0028,0101)', 'which bits of each value hold the image is unknown, and a guess may read unused or overlay bits as the image'],
  Rows: ['Rows (0028,0010)', 'the height of the image is unknown, so its pixel data cannot be laid out'],
  Columns: ['Columns (0028,0011)', 'the width of the image is unknown, so its pixel data cannot be laid out'],
  PlanarConfiguration: ['Planar Configuration (0028,0006)', 'whether its colour samples are interleaved or stored as planes is unknown, and a guess may show the colours scrambled'],
} as const;

/**
 * A Type 1 Image Pixel attribute the header lacks (422), or Planar Configuration (Type 1C) of native
 * colour: every such image has it, and no default reads every file right — the guesses (unsigned,
 * MONOCHROME2, 16 bits, all bits stored) showed signed, inverted or flagged data wrongly. Named
 * with its tag, as pydicom names it when it refuses such a file.
 */
export class MissingPixelTagError extends CorruptStudyError {
  constructor(pos: FilePosition, tag: keyof typeof MISSING_PIXEL_TAGS) {
    const [name, unknown] = MISSING_PIXEL_TAGS[tag];
    super(`${fileLabel(pos)} has no ${name}, which every DICOM ${tag === 'PlanarConfiguration' ? 'colour image' : 'image'} must have: without it ${unknown}. Export the series again from the scanner or archive.`);
  }
}

export class SliceResolutionError extends FileCheckError {
  readonly code = 'RESOLUTION_OUT_OF_RANGE';
  readonly statusCode = 422;
}

/** "file 3 of 24" or "file 3 of 24 (entry 5 of the ZIP)" — never a name. */
export function fileLabel(pos: FilePosition): string {
  const base = `file ${pos.file + 1} of ${pos.files}`;
  return pos.entry === undefined ? base : `${base} (entry ${pos.entry + 1} of the archive)`;
}

export interface FilePosition {
  file: number;
  files: number;
  entry?: number;
}

/**
 * A DICOM header with more elements, sequence items and fragments than the study allows
 * (dicom.ts HEADER_ENTRIES_PER_SLICE): counted before the parser builds them, so a small file of
 * millions of empty items is refused at once instead of stalling and then ending the process.
 */
export class OversizedHeaderError extends CorruptStudyError {
  /** `file`: the per-file cap (dicom.ts MAX_HEADER_ENTRIES_PER_FILE), else the study's allowance */
  constructor(pos: FilePosition, limit: number, scope: 'study' | 'file' = 'study') {
    const bound = scope === 'file' ? `one file may (${limit.toLocaleString('en-GB')}; ` : `a study may (${limit.toLocaleString('en-GB')} in all; `;
    super(`${fileLabel(pos)}: its DICOM header holds more elements and sequence items than ${bound}a scan has a few hundred per image), so it was refused without being read.`);
  }
}
