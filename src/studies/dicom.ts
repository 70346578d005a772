import * as dicomParser from 'dicom-parser';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { ByteBudget } from './archive';
import { CorruptStudyError, FilePosition, fileLabel, MissingPixelTagError, OversizedHeaderError, TooManySlicesError, UnsupportedStudyFileError } from './study-errors';
import { normaliseBodyPart } from './body-part';
import { IDENTIFIER_TAGS, scrubDescription } from './deidentify';
import { dicomCharset, dicomText, shownUid } from './dicom-text';
import { ModalityLut, readModalityLut, readVoiWindow, VoiFunction } from './voi-lut';
import { encapsulatedFrames } from './encapsulated';
import { bounded, elementPastEnd, MAX_TEXT_VALUE_BYTES, overlongTextValue, parseDicomThroughPixels } from './dicom-bounds';
import { countDicomEntries, deflatedDatasetStart, DicomNestingError, MAX_SEQUENCE_DEPTH } from './dicom-entries';
import { FrameInfo, item, readFunctionalGroups } from './functional-groups';
import { usableOrientation } from './dicom-orientation';
import { samplesOf } from './photometric';
import { PaletteLut, PaletteProblem, readPalette } from './palette';
import { normaliseModality } from './modality';
import { DICOMDIR_SOP_CLASS, nonImageKind } from './non-image-objects';

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

/**
 * Elements, sequence items and fragments the DICOM headers of a study may hold, per slice it may
 * have (dicom-entries.ts): a classic MR header has a few hundred (up to ~1,500 with vendors' private
 * sequences), an Enhanced MR file some tens to a few hundred per frame. dicom-parser spends ~1 µs
 * and ~250 bytes on each, so 400 slices' worth is under a second and 200 MB at worst, where a
 * 100 MB file of empty items would be 12 s and over 3 GB.
 */
export const HEADER_ENTRIES_PER_SLICE = 2048;

/**
 * Entries one file may hold, whatever the study has left: dicom-parser reads a file in one
 * synchronous call, so one file spending a 400-slice study's allowance (819,200) held the event
 * loop for 1.2–2.6 s (~1.5–2.5 µs an entry on the shared 2-core box; /healthz 1.6–2.2 s for a 4 MB
 * file of 200,000 private items, scripts/fuzz-uploads.ts). This is 512 a frame for an Enhanced MR
 * file of 400 frames (vendors write a few hundred) and more than a large CD's DICOMDIR: ~0.3 s.
 */
export const MAX_HEADER_ENTRIES_PER_FILE = 204_800;

/**
 * Parses the header of one DICOM Part 10 file (pixel data located, not decoded). Returns a
 * NotAnImage for a DICOMDIR and for an object whose SOP class holds no image. Any parse failure is a CorruptStudyError naming the file by position only —
 * the library's own message is not echoed.
 */
export async function readDicomHeader(bytes: Uint8Array, pos: FilePosition, budget: ByteBudget, frameRoom: FrameRoom): Promise<DicomInstance | NotAnImage> {
  const deflatedAt = deflatedDatasetStart(bytes);
  if (deflatedAt === null) return parseDicomHeader(bytes, pos, frameRoom);
  // Deflated transfer syntax: inflate in libuv's thread pool (not on the event loop), bounded
  // by what the study budget has left, then parse the inflated file
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
  return parseDicomHeader(full, pos, frameRoom, deflatedAt);
}

const inflateRaw = promisify(zlib.inflateRaw) as (buf: Uint8Array, opts: zlib.ZlibOptions) => Promise<Buffer>;

/** `deflatedAt`: `bytes` is a deflated file already inflated from there on (readDicomHeader). */
function parseDicomHeader(bytes: Uint8Array, pos: FilePosition, frameRoom: FrameRoom, deflatedAt?: number): DicomInstance | NotAnImage {
  // counted before dicom-parser builds an object for each (an unbounded count froze, then ended, the process)
  const room = frameRoom.entries ?? { left: HEADER_ENTRIES_PER_SLICE * frameRoom.maxSlices };
  const limit = Math.min(room.left, MAX_HEADER_ENTRIES_PER_FILE);
  let entries: number;
  try {
    entries = countDicomEntries(bytes, limit, deflatedAt !== undefined);
  } catch (err) {
    if (!(err instanceof DicomNestingError)) throw err;
    throw new CorruptStudyError(`${fileLabel(pos)} nests DICOM sequences more than ${MAX_SEQUENCE_DEPTH} levels deep, which no scan does (corrupt file).`);
  }
  if (entries > room.left) throw new OversizedHeaderError(pos, HEADER_ENTRIES_PER_SLICE * frameRoom.maxSlices);
  if (entries > limit) throw new OversizedHeaderError(pos, MAX_HEADER_ENTRIES_PER_FILE, 'file');
  let ds: dicomParser.DataSet;
  try {
    ds = parseDicomThroughPixels(bytes, {
      // the bytes are inflated already; a deflated dataset found anywhere else is not one to read
      inflater: (arr: Uint8Array, position: number) => {
        if (position !== deflatedAt) throw new Error('deflated dataset not where the meta group ends');
        return arr;
      },
    } as dicomParser.ParseDicomOptions);
  } catch (err) {
    if (err instanceof Error && err.name === 'StudyTooLargeError') throw err;
    throw new CorruptStudyError(`${fileLabel(pos)} is not a readable DICOM file (corrupt or truncated).`);
  }
  // charged once parsed, DICOMDIRs too (they are parsed whole as well): a deflated file gets here
  // once, inflated, and is charged whole
  room.left -= entries;
  if (elementPastEnd(ds)) throw new CorruptStudyError(`${fileLabel(pos)} is not a readable DICOM file (truncated: a header value runs past its end).`);
  if (overlongTextValue(ds)) throw new CorruptStudyError(`${fileLabel(pos)} has a header value longer than any valid one (over ${MAX_TEXT_VALUE_BYTES} bytes; corrupt file).`);
  const str = (tag: string) => {
    const v = ds.string(tag);
    return v === undefined || v === '' ? null : v;
  };
  const numIn = (d: dicomParser.DataSet | undefined, tag: string, index = 0) => {
    const v = d?.elements[tag] ? d.floatString(tag, index) : undefined;
    return v === undefined || !Number.isFinite(v) ? null : v;
  };
  const num = (tag: string, index = 0) => numIn(ds, tag, index);
  const us = (tag: string) => (ds.elements[tag] ? ds.uint16(tag) ?? null : null);
  const multiIn = (d: dicomParser.DataSet | undefined, tag: string, n: number) => {
    // too few values is unusable, like an unreadable one (dicom-parser throws a TypeError past the last)
    if (!d?.elements[tag] || (d.numStringValues(tag) ?? 0) < n) return null;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = d.floatString(tag, i);
      if (v === undefined || !Number.isFinite(v)) return null;
      out.push(v);
    }
    return out;
  };
  const multi = (tag: string, n: number) => multiIn(ds, tag, n);

  const sopClass = str('x00020002') ?? str('x00080016');
  if (sopClass === DICOMDIR_SOP_CLASS) return { notAnImage: true, what: null };
  const what = nonImageKind(sopClass);
  if (what) return { notAnImage: true, what };
  // never a known one when it is not a UID, so it is refused (415) as before, without its text
  const ts = str('x00020010');
  const transferSyntax = ts === null ? '1.2.840.10008.1.2' : shownUid(ts);
  const rows = us('x00280010');
  const columns = us('x00280011');
  const pixelEl = ds.elements.x7fe00010;
  if (!pixelEl && (ds.elements.x7fe00008 || ds.elements.x7fe00009)) {
    // a valid image (e.g. a parametric map), in an encoding this service does not read
    throw new UnsupportedStudyFileError(`${fileLabel(pos)} holds Float Pixel Data (floating-point values), which this service does not read.`);
  }
  if (!pixelEl) throw new CorruptStudyError(`${fileLabel(pos)} is a DICOM file without image pixel data.`);
  // Type 1: the size of the pixel data is unknown without them (pydicom refuses such a file too)
  if (rows === null) throw new MissingPixelTagError(pos, 'Rows');
  if (columns === null) throw new MissingPixelTagError(pos, 'Columns');
  if (!rows || !columns) throw new CorruptStudyError(`${fileLabel(pos)} is a DICOM file without image pixel data (${rows} rows, ${columns} columns).`);
  // NumberOfFrames is a claim of the file: checked against what the study may still hold before
  // anything is allocated or looped over per frame (a 524-byte file declaring 10^8 frames once
  // froze the event loop and exhausted the heap in readFunctionalGroups).
  const declaredFrames = num('x00280008') ?? 1;
  const frames = Math.max(1, Math.floor(Math.min(declaredFrames, Number.MAX_SAFE_INTEGER)));
  if (frames > frameRoom.left) throw new TooManySlicesError(frameRoom.maxSlices);
  const frameInfo = readFunctionalGroups(ds, frames, numIn, multiIn);
  const sharedMeasures = item(item(ds, 'x52009229'), 'x00289110');
  // Enhanced objects: each frame's Pixel Measures (its own, else the shared one), else the top-level
  // Pixel Spacing; frames that disagree are refused with the one-series checks (series-assembly.ts)
  const topSpacing = multi('x00280030', 2);
  for (const fi of frameInfo ?? []) fi.pixelSpacing ??= topSpacing ? [topSpacing[0], topSpacing[1]] : null;
  const spacing = frameInfo?.[0]?.pixelSpacing ?? topSpacing;

  // decoded as the file says (dicom-text.ts): the identifiers must match what they are cut from
  const charset = dicomCharset(ds.string('x00080005'));
  const identifiers = IDENTIFIER_TAGS
    .map((t) => bounded(dicomText(ds, t, charset)))
    .filter((v): v is string => !!v);
  const description = bounded(dicomText(ds, 'x0008103e', charset));
  const topWindow = readVoiWindow(ds, numIn);
  const pixelRepresentation = us('x00280103');
  const bitsAllocated = us('x00280100');
  const photometric = str('x00280004')?.toUpperCase() ?? null;
  const bigEndian = transferSyntax === '1.2.840.10008.1.2.2';

  return {
    pos,
    transferSyntax,
    modality: normaliseModality(str('x00080060')),
    seriesUid: str('x0020000e'),
    sopInstanceUid: str('x00080018'),
    seriesNumber: num('x00200011'),
    imageType: (ds.string('x00080008') ?? '').toUpperCase().split('\\').map((v) => v.trim()),
    seriesDescription: description ? scrubDescription(description, identifiers) : null,
    identifiers,
    bodyPart: normaliseBodyPart(str('x00180015')),
    rows,
    columns,
    frames,
    samplesPerPixel: us('x00280002') ?? samplesOf(photometric),
    photometric,
    bitsAllocated,
    bitsStored: us('x00280101'),
    highBit: us('x00280102'),
    pixelRepresentation,
    // read as unsigned until then: a file without Pixel Representation is refused before any decode
    padding: paddingRange(us('x00280120'), us('x00280121'), pixelRepresentation ?? 0),
    planarConfiguration: us('x00280006'),
    palette: photometric === 'PALETTE COLOR' ? readPalette(ds, pixelRepresentation ?? 0, bigEndian) : null,
    slope: num('x00281053') || 1,
    intercept: num('x00281052') ?? 0,
    modalityLut: readModalityLut(ds, pixelRepresentation ?? 0, pos),
    windowCenter: topWindow?.center ?? null,
    windowWidth: topWindow?.width ?? null,
    windowFunction: topWindow?.fn ?? 'LINEAR',
    position: multi('x00200032', 3),
    orientation: usableOrientation(multi('x00200037', 6)) ?? frameInfo?.[0]?.orientation ?? null,
    frameInfo,
    instanceNumber: num('x00200013'),
    pixelSpacing: spacing ? [spacing[0], spacing[1]] : null,
    sliceThickness: num('x00180050') ?? numIn(sharedMeasures, 'x00180050'),
    bigEndian,
    swappedPairs: bigEndian && bitsAllocated === 8 && pixelEl.vr === 'OW',
    pixel: pixelEl.encapsulatedPixelData ? null : { offset: pixelEl.dataOffset, length: pixelEl.length },
    pixelData: ds.byteArray.subarray(pixelEl.dataOffset, pixelEl.dataOffset + pixelEl.length),
    encapsulatedFrame: pixelEl.encapsulatedPixelData ? encapsulatedFrames(ds, pixelEl, frames, pos, transferSyntax) : null,
    bytes: ds.byteArray,
  };
}

/** The padding values as stored values (US or SS by Pixel Representation, read here as raw 16 bits). */
function paddingRange(value: number | null, limit: number | null, pixelRepresentation: number): { lo: number; hi: number } | null {
  if (value === null) return null;
  const asStored = (v: number) => (pixelRepresentation === 1 && v >= 0x8000 ? v - 0x10000 : v);
  const a = asStored(value);
  const b = limit === null ? a : asStored(limit);
  return { lo: Math.min(a, b), hi: Math.max(a, b) };
}
