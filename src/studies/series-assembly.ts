import type { DicomInstance } from './dicom';
import { sliceDirection } from './dicom-orientation';
import { PHOTOMETRIC_SAMPLES } from './photometric';
import { colourFormat, isColour } from './colour-format';
import { decodesToWords, isDctBaseline, isLibvipsJpeg, JPEG_BASELINE, JPEG_EXTENDED, READABLE_TRANSFER_SYNTAXES } from './dicom-codecs';
import {
  fileLabel,
  InvalidPixelFormatError,
  MissingPixelTagError,
  MixedSeriesError,
  RepeatedPositionError,
  UnsupportedPixelFormatError,
  UnsupportedStudyFileError,
} from './study-errors';
import { mixedSeriesError } from './series-summary';

/*
 * Which DICOM instances of an upload make the series, and in what order — all from the headers,
 * before any pixel is decoded (study-loader.ts decodes).
 */

/** Direction cosines within this per component are one orientation: scanners write rounding jitter. */
const ORIENTATION_TOLERANCE = 1e-3;
/** Slice positions (mm along the normal, rounded to µm) at most this far apart are one position. */
const SAME_POSITION_MM = 1e-3;

/**
 * Leaves out localizers / scouts (Image Type LOCALIZER or SCOUT): they show the anatomy for
 * planning, and counted as slices they would add an image from elsewhere in the body.
 */
export function leaveOutLocalizers(instances: DicomInstance[]): DicomInstance[] {
  const kept = instances.filter((i) => !i.imageType.some((v) => v === 'LOCALIZER' || v === 'SCOUT'));
  if (!kept.length) {
    throw new UnsupportedStudyFileError('The upload holds only localizer (scout) images, which are for planning, not reading; upload the diagnostic series.');
  }
  return kept;
}

/**
 * One series: one Series Instance UID — or, where every file lacks it, one Series Number and
 * Description — one modality, image size and orientation (within ORIENTATION_TOLERANCE).
 */
export function assertOneSeries(instances: DicomInstance[]): void {
  const byUid = (i: DicomInstance) => i.seriesUid ?? '';
  if (new Set(instances.map(byUid)).size > 1) throw mixedSeriesError(instances, byUid);
  if (instances[0].seriesUid === null) {
    // e.g. an anonymiser stripped the UID: two series written together would otherwise interleave
    const byNumber = (i: DicomInstance) => `${i.seriesNumber ?? ''}|${i.seriesDescription ?? ''}`;
    if (new Set(instances.map(byNumber)).size > 1) throw mixedSeriesError(instances, byNumber, true);
  }
  const modalities = new Set(instances.map((i) => i.modality ?? ''));
  if (modalities.size > 1) throw new MixedSeriesError('modality');
  const sizes = new Set(instances.map((i) => `${i.columns}x${i.rows}`));
  if (sizes.size > 1) throw new MixedSeriesError('image size (the files cannot be one series)');
  assertOneOrientation(instances.map((i) => i.orientation));
  for (const inst of instances) assertOneFrameSpacing(inst);
  if (!samePixelSpacing(instances.map((i) => i.pixelSpacing))) throw new MixedSeriesError('pixel spacing (the files cannot be one series)');
}

/**
 * All Pixel Spacings absent, or all present and equal within 0.1 %: each file's slices are stretched to square
 * physical pixels by its own spacing (square-pixels.ts), so files that disagree would give slices of different
 * shapes in one study, and the study would report only the first file's.
 */
export function samePixelSpacing(spacings: ([number, number] | null)[]): boolean {
  const first = spacings[0];
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-3 * Math.max(Math.abs(a), Math.abs(b));
  const same = (s: [number, number] | null) => (s === null || first === null ? s === first : close(s[0], first[0]) && close(s[1], first[1]));
  return spacings.every(same);
}

/**
 * The frames of one Enhanced (multi-frame) file, whose Pixel Measures may be per frame: the file's
 * one spacing (its first frame's) plans the square pixels of all its frames, so frames that disagree
 * are refused as files that disagree are — named, with the first two spacings that differ.
 */
function assertOneFrameSpacing(inst: DicomInstance): void {
  const spacings = inst.frameInfo?.map((f) => f.pixelSpacing) ?? [];
  if (samePixelSpacing(spacings)) return;
  const other = spacings.findIndex((s) => !samePixelSpacing([spacings[0], s]));
  const shown = (s: [number, number] | null) => (s ? `${s[0]} × ${s[1]} mm` : 'none');
  throw new MixedSeriesError(
    'pixel spacing',
    `The frames of ${fileLabel(inst.pos)} have different pixel spacings (frame 1: ${shown(spacings[0])}, frame ${other + 1}: ${shown(spacings[other])}, ` +
      'between rows × between columns), so they cannot be one series: each frame would be stretched to a different shape. Upload one series at a time.',
  );
}

/** All orientations absent, or all present and equal within ORIENTATION_TOLERANCE. */
export function assertOneOrientation(orientations: (number[] | null)[]): void {
  const first = orientations[0];
  const same = (o: number[] | null) => (o === null || first === null ? o === first : o.every((v, k) => Math.abs(v - first[k]) <= ORIENTATION_TOLERANCE));
  if (!orientations.every(same)) throw new MixedSeriesError('slice orientation (e.g. a localizer mixed with the series)');
}

/**
 * Positions in slice order: two different images at one position — or, without positions, with
 * one Instance Number — are refused (copies were dropped before).
 */
export function assertOneImagePerPosition(positions: (number | null)[], instanceNumbers: (number | null)[] | null): void {
  let places = 0;
  for (let i = 1; i < positions.length; i++) {
    const a = positions[i - 1];
    const b = positions[i];
    const repeated = a !== null && b !== null && Math.abs(b - a) <= SAME_POSITION_MM;
    const before = i > 1 && a !== null && positions[i - 2] !== null && Math.abs(a - positions[i - 2]!) <= SAME_POSITION_MM;
    if (repeated && !before) places++; // a run of images at one position counts once
  }
  if (places) throw new RepeatedPositionError(places, 'position');
  if (!instanceNumbers) return;
  const seen = new Set<number>();
  const repeatedNumbers = new Set<number>();
  for (const n of instanceNumbers) {
    if (n !== null && seen.has(n)) repeatedNumbers.add(n);
    if (n !== null) seen.add(n);
  }
  if (repeatedNumbers.size) throw new RepeatedPositionError(repeatedNumbers.size, 'instance_number');
}

const JPEG_COLOUR = new Set(['RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_PARTIAL_422', 'YBR_PARTIAL_420']);

export interface PixelFormat {
  samples: 1 | 3;
  bytesPerSample: 1 | 2 | 4;
}

/**
 * The pixel encoding of one instance, checked from its header before any frame is decoded:
 * values no valid image has → 422; valid ones the decoders do not read → 415. The decoded size
 * is computed from what this returns, so a SamplesPerPixel of 0 cannot shrink it to nothing.
 * A missing Type 1 Image Pixel attribute (PS3.3 C.7.6.3) is a named 422 where the standard leaves
 * its value open (MissingPixelTagError): Photometric Interpretation and Pixel Representation were read
 * as MONOCHROME2 and unsigned (MONOCHROME1 or signed data shown wrongly), Bits Allocated as 16 and
 * Bits Stored as Bits Allocated (other bits read as the image); pydicom refuses each. Not where the
 * standard fixes it: Samples per Pixel by the Photometric Interpretation (dicom.ts), High Bit as
 * Bits Stored − 1 (decodeFrame). Planar Configuration (Type 1C, colour) only where it is read (colour-format.ts).
 */
export function pixelFormat(inst: DicomInstance): PixelFormat {
  const { samplesPerPixel: spp, photometric: pi, bitsAllocated: ba, pos } = inst;
  if (pi === null) throw new MissingPixelTagError(pos, 'PhotometricInterpretation');
  if (inst.pixelRepresentation === null) throw new MissingPixelTagError(pos, 'PixelRepresentation');
  if (ba === null) throw new MissingPixelTagError(pos, 'BitsAllocated');
  if (inst.bitsStored === null) throw new MissingPixelTagError(pos, 'BitsStored');
  // only a defined term is echoed: the tag is free text in a hostile file
  const needs = PHOTOMETRIC_SAMPLES.get(pi);
  if (needs === undefined) throw new InvalidPixelFormatError(pos, 'an unknown photometric interpretation');
  if (spp !== 1 && spp !== 3) throw new InvalidPixelFormatError(pos, `${spp} samples per pixel (an image has 1 or 3)`);
  if (needs !== spp) throw new InvalidPixelFormatError(pos, `${pi} with ${spp} samples per pixel`);
  if (ba !== 1 && !(ba > 0 && ba <= 64 && ba % 8 === 0)) throw new InvalidPixelFormatError(pos, `${ba} bits allocated per sample`);
  if (isLibvipsJpeg(inst) && spp === 3) {
    if (ba !== 8 && inst.transferSyntax === JPEG_EXTENDED) {
      throw new UnsupportedPixelFormatError(pos, `${inst.bitsStored ?? ba}-bit colour JPEG Extended (process 4: libjpeg reads 8-bit samples, the DCT decoder here one component; 8-bit colour JPEG Extended and 12-bit grey are read)`);
    }
    if (ba !== 8) throw new InvalidPixelFormatError(pos, `${ba}-bit JPEG Baseline`);
    if (!JPEG_COLOUR.has(pi)) throw new UnsupportedPixelFormatError(pos, `${pi} JPEG colour`);
    return { samples: spp, bytesPerSample: 1 };
  }
  // RGB, YBR and palette: what is read, and the named refusals, in colour-format.ts
  if (isColour(inst)) return colourFormat(inst);
  if (inst.transferSyntax === JPEG_BASELINE && !isDctBaseline(inst)) {
    if (ba !== 8) throw new InvalidPixelFormatError(pos, `${ba}-bit JPEG Baseline`);
    return { samples: 1, bytesPerSample: 1 };
  }
  if (decodesToWords(inst.transferSyntax) || isDctBaseline(inst)) {
    // JPEG Lossless, JPEG Extended (and 16-bit JPEG Baseline, read as it), JPEG-LS, JPEG 2000, HTJ2K grey: the 2–16-bit samples fill 8- or 16-bit words
    const name = READABLE_TRANSFER_SYNTAXES[inst.transferSyntax];
    if (ba !== 8 && ba !== 16) throw new InvalidPixelFormatError(pos, `${ba}-bit ${name}`);
    return { samples: 1, bytesPerSample: ba === 8 ? 1 : 2 };
  }
  if (ba !== 8 && ba !== 16 && ba !== 32) throw new UnsupportedPixelFormatError(pos, `${ba}-bit grey pixel data`);
  return { samples: 1, bytesPerSample: ba === 8 ? 1 : ba === 16 ? 2 : 4 };
}

export type Ordering = 'position' | 'instance_number' | 'upload_order';

/**
 * Slices in anatomical order: by ImagePositionPatient projected on the slice normal
 * (row × column direction cosines) turned towards superior, anterior or left as the plane is
 * shown (dicom-orientation.ts) when every file has both; else by InstanceNumber; else as
 * uploaded. Returns positions along that direction (mm), rounded to µm.
 */
export function orderInstances(instances: DicomInstance[]): { ordered: DicomInstance[]; ordering: Ordering; positions: (number | null)[] } {
  const withGeometry = instances.every((i) => i.position && i.orientation);
  if (withGeometry) {
    const normal = sliceDirection(instances[0].orientation!);
    const keyed = instances.map((inst) => ({ inst, d: along(inst.position!, normal) }));
    if (keyed.every((k) => Number.isFinite(k.d))) {
      keyed.sort((a, b) => a.d - b.d || (a.inst.instanceNumber ?? 0) - (b.inst.instanceNumber ?? 0));
      return { ordered: keyed.map((k) => k.inst), ordering: 'position', positions: keyed.map((k) => k.d) };
    }
  }
  if (instances.every((i) => i.instanceNumber !== null)) {
    const ordered = [...instances].sort((a, b) => a.instanceNumber! - b.instanceNumber!);
    return { ordered, ordering: 'instance_number', positions: ordered.map(() => null) };
  }
  return { ordered: instances, ordering: 'upload_order', positions: instances.map(() => null) };
}

export interface OrderedFrame {
  inst: DicomInstance;
  /** frame index in its file */
  f: number;
  /** mm along the series' slice direction; null when unknown */
  position: number | null;
}

/**
 * Every frame of the series in anatomical order: the files by orderInstances; the frames of
 * Enhanced (multi-frame) objects by their own plane positions, along the same direction; those of a
 * classic multi-frame file in their stored order (`upload_order`). Then one image per position.
 */
export function orderFrames(instances: DicomInstance[]): { frames: OrderedFrame[]; ordering: Ordering } {
  const order = orderInstances(instances);
  let ordering = order.ordering;
  let frames: OrderedFrame[] = [];
  order.ordered.forEach((inst, k) => {
    for (let f = 0; f < inst.frames; f++) frames.push({ inst, f, position: inst.frames === 1 ? order.positions[k] : null });
  });
  if (instances.some((i) => i.frameInfo)) {
    const geo = frames.map(({ inst, f }) => ({
      pos: inst.frameInfo?.[f]?.position ?? (inst.frames === 1 ? inst.position : null),
      ori: inst.frameInfo?.[f]?.orientation ?? inst.orientation,
    }));
    assertOneOrientation(geo.map((g) => g.ori));
    const normal = geo.every((g) => g.pos && g.ori) ? sliceDirection(geo[0].ori!) : null;
    const at = normal ? geo.map((g) => along(g.pos!, normal)) : [];
    if (normal && at.every(Number.isFinite)) {
      frames = frames.map((fr, i) => ({ ...fr, position: at[i] })).sort((a, b) => a.position! - b.position!);
      ordering = 'position';
    }
  }
  const positions = frames.map((fr) => fr.position);
  assertOneImagePerPosition(positions, ordering === 'position' ? null : order.ordered.map((i) => i.instanceNumber));
  // a file's frames without a position each (classic multi-frame) are in its stored order, so the series is in
  // anatomy's order only where every frame has a position: two such files read "position", their frames paired as
  // neighbours and the record said no slice was missing, where no frame position had been known
  if (frames.length > order.ordered.length && positions.some((p) => p === null)) ordering = 'upload_order';
  return { frames, ordering };
}

/**
 * A position along the slice direction, in mm to the µm. Infinite when the header's position is
 * so far out (~1e305 mm and beyond: DS allows "1e308") that this overflows: such a position is
 * none, and the slices are ordered as if they had none. Kept, ±Infinity ordered slices by
 * NaN comparisons, told two slices at one place apart (Infinity − Infinity is not 0) and gave the
 * study a slice spacing of Infinity.
 */
function along(position: number[], normal: number[]): number {
  return round3(position.reduce((s, p, k) => s + p * normal[k], 0));
}

export function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
