import * as dicomParser from 'dicom-parser';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { ByteBudget } from './archive';
import { CorruptStudyError, FilePosition, fileLabel } from './study-errors';
import type { ModalityLut, VoiFunction } from './voi-lut';
import { encapsulatedFrames } from './encapsulated';
import { deflatedDatasetStart } from './dicom-entries';
import type { FrameInfo } from './functional-groups';
import type { PaletteLut, PaletteProblem } from './palette';
import { countHeaderEntries, HEADER_ENTRIES_PER_SLICE, HeaderFields, parseDicomHeader } from './dicom-header';
import { HeaderPool, headerPool } from './header-pool';

export type { FrameInfo } from './functional-groups';

/** A DICOM file that is not a slice of the series: the DICOMDIR (`what` null) or an object without an image (non-image-objects.ts). */
export interface NotAnImage {
  notAnImage: true;
  /** "a structured report", …; null for the DICOMDIR */
  what: string | null;
}

/** Narrows readDicomHeader's answer to an image instance. */
export function isImage(x: DicomInstance | NotAnImage): x is DicomInstance {
  return !('notAnImage' in x);
}

/**
 * What this service keeps of a DICOM instance: geometry, pixel encoding and the few tags the
 * issue allows (modality, a scrubbed series description). Patient, accession and institution
 * tags are read only to scrub them out of the description and are never stored.
 * The series UID is kept for the "one series" check only and never leaves this module's callers.
 */
export interface DicomInstance {
  pos: FilePosition;
  transferSyntax: string;
  modality: string | null;
  seriesUid: string | null;
  /** SOP Instance UID (0008,0018): to drop a file uploaded twice; never leaves the loader */
  sopInstanceUid: string | null;
  /** Series Number (0020,0011): tells series apart when the series UID is missing */
  seriesNumber: number | null;
  /** Image Type (0008,0008) values, upper case: a LOCALIZER / SCOUT is left out of the series */
  imageType: string[];
  seriesDescription: string | null;
  /** the patient, accession and institution values scrubDescription cut out: cut from skipped file names too (skipped-files.ts); never leaves the loader */
  identifiers: string[];
  /** Body Part Examined, normalised (body-part.ts): read to refuse a plainly unsupported part, never stored */
  bodyPart: string | null;
  rows: number;
  columns: number;
  frames: number;
  /**
   * Samples per Pixel (0028,0002); when absent, the count the standard fixes for the Photometric
   * Interpretation (PS3.3 C.7.6.3.1.2: MONOCHROME1/2 and PALETTE COLOR 1, RGB and YBR_* 3, …), so no
   * guess; 0 when neither tells it (no or an unknown Photometric Interpretation: refused by pixelFormat)
   */
  samplesPerPixel: number;
  /** Photometric Interpretation, upper case; null when absent (Type 1: refused by pixelFormat, never guessed) */
  photometric: string | null;
  /** Bits Allocated (0028,0100); null when absent (Type 1: refused by pixelFormat, never guessed) */
  bitsAllocated: number | null;
  /** Bits Stored (0028,0101); null when absent (Type 1: refused by pixelFormat, never guessed) */
  bitsStored: number | null;
  /** High Bit (0028,0102); null when absent, read as Bits Stored − 1 (decodeFrame), the one value the standard allows */
  highBit: number | null;
  /** Pixel Representation (0 unsigned, 1 signed); null when absent (Type 1: refused by pixelFormat, never guessed) */
  pixelRepresentation: number | null;
  /** Pixel Padding Value (0028,0120) … Range Limit (0028,0121), inclusive, as stored values; null when absent */
  padding: { lo: number; hi: number } | null;
  /** Planar Configuration (0028,0006); null when absent (Type 1C for colour: refused by pixelFormat where it is read) */
  planarConfiguration: number | null;
  /** PALETTE COLOR only: its lookup tables, or why they cannot be read (refused by pixelFormat); null otherwise */
  palette: PaletteLut | PaletteProblem | null;
  slope: number;
  intercept: number;
  /** Modality LUT Sequence (0028,3000): replaces slope/intercept when present */
  modalityLut: ModalityLut | null;
  /** the first window of (0028,1050/1051); both null when absent or its VOI LUT Function is unknown (voi-lut.ts) */
  windowCenter: number | null;
  windowWidth: number | null;
  /** VOI LUT Function (0028,1056) of that window; LINEAR when absent */
  windowFunction: VoiFunction;
  position: number[] | null;
  orientation: number[] | null;
  instanceNumber: number | null;
  pixelSpacing: [number, number] | null;
  sliceThickness: number | null;
  bigEndian: boolean;
  /** 8-bit samples in a big-endian OW value: OW is 16-bit words, so every two samples are stored swapped */
  swappedPairs: boolean;
  /** null when the pixel data are encapsulated (compressed) */
  pixel: { offset: number; length: number } | null;
  /** the Pixel Data value as stored (a view, not a copy): compared to tell duplicate files apart */
  pixelData: Uint8Array;
  /**
   * Enhanced (multi-frame) objects: per-frame geometry and pixel transforms from the
   * per-frame / shared functional groups (per-frame wins); null for classic single-frame files.
   */
  frameInfo: FrameInfo[] | null;
  /** the compressed bytes of one frame, when the pixel data are encapsulated */
  encapsulatedFrame: ((frame: number) => Uint8Array) | null;
  bytes: Uint8Array;
}

export { isDicomPart10 } from './file-kinds';

/** How many frames the study still has room for (the study's limit minus frames seen so far). */
export interface FrameRoom {
  left: number;
  maxSlices: number;
  /**
   * What is left of the study's header-entry budget (HEADER_ENTRIES_PER_SLICE × maxSlices), shared
   * by its files and spent by each; a fresh one for this file alone when absent.
   */
  entries?: { left: number };
}

export { HEADER_ENTRIES_PER_SLICE, MAX_HEADER_ENTRIES_PER_FILE } from './dicom-header';

/**
 * Headers of more entries than this are read in the header worker (header-pool.ts); smaller ones
 * here, where a worker's round trip (a copy of the file, a message each way) would cost more than the parse:
 * dicom-parser spends ~1.5–2.5 µs an entry on the shared 2-core box, so the event loop is held for
 * at most ~10 ms by one header (it was ~0.3 s at the per-file cap). A classic MR header has a few
 * hundred entries; an Enhanced MR file's per-frame functional groups, a DICOMDIR or a hostile file
 * of empty items go to the worker.
 */
export const INLINE_HEADER_ENTRIES = 4096;

/** Where readDicomHeader parses: the process's header workers and INLINE_HEADER_ENTRIES unless given (tests). */
export interface HeaderReading {
  pool?: HeaderPool;
  inlineEntries?: number;
}

/**
 * Parses the header of one DICOM Part 10 file (pixel data located, not decoded). Returns a
 * NotAnImage for a DICOMDIR and for an object whose SOP class holds no image. Any parse failure is a CorruptStudyError naming the file by position only —
 * the library's own message is not echoed. A header of more than INLINE_HEADER_ENTRIES is
 * parsed in a header worker (header-pool.ts), off the event loop; `signal` stops that parse (its reason is thrown).
 */
export async function readDicomHeader(bytes: Uint8Array, pos: FilePosition, budget: ByteBudget, frameRoom: FrameRoom, signal?: AbortSignal, via: HeaderReading = {}): Promise<DicomInstance | NotAnImage> {
  const { pool = headerPool, inlineEntries = INLINE_HEADER_ENTRIES } = via;
  const deflatedAt = deflatedDatasetStart(bytes);
  const file = deflatedAt === null ? bytes : await inflateDataset(bytes, deflatedAt, pos, budget);
  const at = deflatedAt ?? undefined;
  const room = frameRoom.entries ?? { left: HEADER_ENTRIES_PER_SLICE * frameRoom.maxSlices };
  const entries = countHeaderEntries(file, pos, frameRoom, room, at !== undefined, inlineEntries);
  if (entries !== null) return withBytes(parseDicomHeader(file, pos, frameRoom, room, entries, at), file, pos);
  // the inflated file is this read's own: it goes to the worker and comes back, not copied
  const parsed = await pool.parse({ bytes: file, own: at !== undefined, pos, frameRoom: { left: frameRoom.left, maxSlices: frameRoom.maxSlices }, roomLeft: room.left, deflatedAt: at }, signal);
  room.left = parsed.roomLeft;
  return withBytes(parsed.fields, parsed.bytes ?? file, pos);
}

/**
 * Deflated transfer syntax: the dataset inflated in libuv's thread pool (not on the event loop),
 * bounded by what the study budget has left; the file with it in place of the deflated bytes.
 */
async function inflateDataset(bytes: Uint8Array, deflatedAt: number, pos: FilePosition, budget: ByteBudget): Promise<Uint8Array> {
  let inflated: Buffer;
  try {
    inflated = await inflateRaw(bytes.subarray(deflatedAt), { maxOutputLength: Math.max(1, budget.remaining) });
  } catch (e) {
    if (e instanceof RangeError || (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') budget.take(Number.MAX_SAFE_INTEGER);
    throw new CorruptStudyError(`${fileLabel(pos)} is not a readable DICOM file (corrupt or truncated).`);
  }
  budget.take(inflated.length);
  const full = new Uint8Array(deflatedAt + inflated.length);
  full.set(bytes.subarray(0, deflatedAt), 0);
  full.set(inflated, deflatedAt);
  return full;
}

/** dicom-parser's DataSet constructor, which its type declarations leave out */
const DataSet = (dicomParser as unknown as { DataSet: new (parser: dicomParser.ByteArrayParser, bytes: Uint8Array, elements: Record<string, dicomParser.Element>) => dicomParser.DataSet }).DataSet;

const inflateRaw = promisify(zlib.inflateRaw) as (buf: Uint8Array, opts: zlib.ZlibOptions) => Promise<Buffer>;

/**
 * The instance on the file's bytes: its Pixel Data as a view, and for encapsulated pixel data a
 * frame reader on the element rebuilt where the parser found it (its fragments' offsets), with the
 * byte order the parser read the file in.
 */
function withBytes(fields: HeaderFields | NotAnImage, bytes: Uint8Array, pos: FilePosition): DicomInstance | NotAnImage {
  if ('notAnImage' in fields) return fields;
  const { pixelElement, ...rest } = fields;
  // native pixel data has `pixel`, encapsulated its element (parseDicomHeader sets one of the two)
  const at = pixelElement ? { offset: pixelElement.dataOffset, length: pixelElement.length } : fields.pixel!;
  const pixelData = bytes.subarray(at.offset, at.offset + at.length);
  let encapsulatedFrame: DicomInstance['encapsulatedFrame'] = null;
  if (pixelElement) {
    const el: dicomParser.Element = { tag: 'x7fe00010', encapsulatedPixelData: true, ...pixelElement };
    const ds = new DataSet(fields.bigEndian ? dicomParser.bigEndianByteArrayParser : dicomParser.littleEndianByteArrayParser, bytes, { x7fe00010: el });
    encapsulatedFrame = encapsulatedFrames(ds, el, fields.frames, pos, fields.transferSyntax);
  }
  return { ...rest, pos, pixelData, encapsulatedFrame, bytes };
}
