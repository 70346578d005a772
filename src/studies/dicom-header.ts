import * as dicomParser from 'dicom-parser';
import type { DicomInstance, FrameRoom, NotAnImage } from './dicom';
import { CorruptStudyError, FilePosition, fileLabel, MissingPixelTagError, OversizedHeaderError, TooManySlicesError, UnsupportedStudyFileError } from './study-errors';
import { normaliseBodyPart } from './body-part';
import { IDENTIFIER_TAGS, scrubDescription } from './deidentify';
import { dicomCharset, dicomText, shownUid } from './dicom-text';
import { readModalityLut, readVoiWindow } from './voi-lut';
import { checkedRescale, rawRescale } from './rescale';
import { bounded, elementPastEnd, MAX_TEXT_VALUE_BYTES, overlongTextValue, parseDicomThroughPixels } from './dicom-bounds';
import { countDicomEntries, DicomNestingError, MAX_SEQUENCE_DEPTH } from './dicom-entries';
import { item, readFunctionalGroups } from './functional-groups';
import { usableOrientation } from './dicom-orientation';
import { samplesOf } from './photometric';
import { readPalette } from './palette';
import { normaliseModality } from './modality';
import { DICOMDIR_SOP_CLASS, nonImageKind } from './non-image-objects';

/*
 * The header of one DICOM file read into what the service keeps of it (dicom.ts DicomInstance),
 * on the main thread for a small header or in the header worker for a large one (dicom.ts
 * readDicomHeader): nothing here holds a view of the file's bytes, so the answer crosses threads.
 */

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
 * file of 400 frames (vendors write a few hundred) and more than a large CD's DICOMDIR: ~0.3 s
 * (in the header worker since, header-pool.ts, not on the event loop).
 */
export const MAX_HEADER_ENTRIES_PER_FILE = 204_800;

/**
 * The encapsulated Pixel Data element as dicom-parser found it: where its fragments lie in the file.
 * dicom.ts rebuilds the element on the file's bytes to cut frames from (encapsulated.ts).
 */
export interface PixelElement {
  vr: string | undefined;
  length: number;
  dataOffset: number;
  hadUndefinedLength: boolean;
  basicOffsetTable: number[];
  fragments: dicomParser.Fragment[];
}

/** A DicomInstance less what is a view of the file's bytes (rebuilt where the bytes are: dicom.ts) and its position. */
export type HeaderFields = Omit<DicomInstance, 'pos' | 'pixelData' | 'encapsulatedFrame' | 'bytes'> & {
  /** the encapsulated Pixel Data element; null for native pixel data (`pixel`) */
  pixelElement: PixelElement | null;
};

/**
 * The entries of a file's header (dicom-entries.ts), counted up to the file's limit (the study's
 * allowance left in `room`, at most MAX_HEADER_ENTRIES_PER_FILE) before dicom-parser builds an
 * object for each (an unbounded count froze, then ended, the process). Throws the refusals of a
 * header over its limit or nested too deep. `upTo`: stop counting there; null when the header has
 * more entries than that but may be within its limit (counted in full where it is parsed).
 */
export function countHeaderEntries(bytes: Uint8Array, pos: FilePosition, frameRoom: FrameRoom, room: { left: number }, inflated: boolean, upTo = Infinity): number | null {
  const limit = Math.min(room.left, MAX_HEADER_ENTRIES_PER_FILE);
  const bound = Math.min(limit, upTo);
  let entries: number;
  try {
    entries = countDicomEntries(bytes, bound, inflated);
  } catch (err) {
    if (!(err instanceof DicomNestingError)) throw err;
    throw new CorruptStudyError(`${fileLabel(pos)} nests DICOM sequences more than ${MAX_SEQUENCE_DEPTH} levels deep, which no scan does (corrupt file).`);
  }
  if (entries <= bound) return entries;
  if (bound < limit) return null;
  if (entries > room.left) throw new OversizedHeaderError(pos, HEADER_ENTRIES_PER_SLICE * frameRoom.maxSlices);
  throw new OversizedHeaderError(pos, MAX_HEADER_ENTRIES_PER_FILE, 'file');
}

function pixelElementOf(el: dicomParser.Element): PixelElement | null {
  if (!el.encapsulatedPixelData) return null;
  return { vr: el.vr, length: el.length, dataOffset: el.dataOffset, hadUndefinedLength: el.hadUndefinedLength === true, basicOffsetTable: el.basicOffsetTable ?? [], fragments: el.fragments ?? [] };
}

/**
 * Parses the header of one DICOM Part 10 file whose entries countHeaderEntries has counted
 * (`entries`), charging them to `room` once parsed. What it returns holds no view of the bytes
 * (HeaderFields), so the parse may run in the header worker (header-pool.ts). `deflatedAt`: `bytes`
 * is a deflated file already inflated from there on (readDicomHeader).
 */
export function parseDicomHeader(bytes: Uint8Array, pos: FilePosition, frameRoom: FrameRoom, room: { left: number }, entries: number, deflatedAt?: number): HeaderFields | NotAnImage {
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
  const modalityLut = readModalityLut(ds, pixelRepresentation ?? 0, pos);
  // the rescale maps grey stored values only, and a Modality LUT replaces it: an unused one is not refused
  const rescaleUsed = modalityLut === null && photometric !== null && photometric.startsWith('MONOCHROME');
  if (rescaleUsed) frameInfo?.forEach((fi, f) => checkedRescale(fi, pos, f));
  const rescale = rescaleUsed ? checkedRescale(rawRescale(ds), pos) : { slope: null, intercept: null };
  const bigEndian = transferSyntax === '1.2.840.10008.1.2.2';

  return {
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
    slope: rescale.slope ?? 1,
    intercept: rescale.intercept ?? 0,
    modalityLut,
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
    pixelElement: pixelElementOf(pixelEl),
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
