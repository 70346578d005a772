import type * as dicomParser from 'dicom-parser';
import { CorruptStudyError, FilePosition, fileLabel } from './study-errors';

/*
 * DICOM VOI LUT (PS3.3 C.11.2): the header's window centre/width and its VOI LUT Function; and
 * the Modality LUT Sequence (C.11.1), the other header LUT on the way from stored value to grey.
 * Kept apart from windowing.ts so the windowing loop and the transfer functions stay small.
 */

/** VOI LUT Function (0028,1056) defined terms (PS3.3 C.11.2.1.3). */
export type VoiFunction = 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';

export interface VoiWindow {
  center: number;
  width: number;
  /** absent means LINEAR, the standard's default */
  fn?: VoiFunction;
}

/**
 * The VOI LUT Function: absent → LINEAR (the default); one of the defined terms → it; anything
 * else → null, meaning "this window cannot be applied as its author meant" (the caller then
 * drops the window and the study falls back to the percentile window, which is also what
 * happens when only a VOI LUT Sequence is given — see readVoiWindow).
 */
export function voiFunction(raw: string | null | undefined): VoiFunction | null {
  const v = (raw ?? '').trim().toUpperCase();
  if (v === '' || v === 'LINEAR') return 'LINEAR';
  return v === 'LINEAR_EXACT' || v === 'SIGMOID' ? v : null;
}

/**
 * The window of a dataset (the top level of a classic file, or a Frame VOI LUT functional-group
 * item): the first of a multi-valued Window Center/Width, with its VOI LUT Function; null when
 * there is no window or its function is unknown.
 *
 * A VOI LUT Sequence (0028,3010) is deliberately not applied: when a window is also present the
 * standard lets a viewer apply either (C.11.2.1, they are alternative views), and when only the
 * LUT is present we return null so the whole study gets the robust percentile window. The LUT is
 * the modality's own display curve; a percentile window of the same modality values shows the
 * same anatomy with a plain linear curve, which is less wrong than pretending a window exists
 * (and honestly reported as windowing "percentile").
 */
export function readVoiWindow(d: dicomParser.DataSet | undefined, numIn: (d: dicomParser.DataSet | undefined, tag: string) => number | null): VoiWindow | null {
  const center = numIn(d, 'x00281050');
  const width = numIn(d, 'x00281051');
  if (center === null || width === null) return null;
  const fn = voiFunction(d?.string('x00281056'));
  return fn === null ? null : { center, width, fn };
}

/**
 * Whether a header window is one the standard defines, and so applied (else the study gets the
 * percentile window): a finite centre, and a width of at least 1 for LINEAR (C.11.2.1.2.1) — width 1
 * is a threshold at c − 0.5 — and above 0 for LINEAR_EXACT (C.11.2.1.3.2) and SIGMOID (C.11.2.1.3.1,
 * "shall always be greater than 0", as pydicom checks it), where a width of 1 or less is a ramp at
 * most about one value wide at c. Only widths over 1 were taken before, so those steep windows
 * showed the percentile window instead.
 */
export function definedWindow(w: VoiWindow): boolean {
  if (!Number.isFinite(w.center) || !Number.isFinite(w.width)) return false;
  return (w.fn ?? 'LINEAR') === 'LINEAR' ? w.width >= 1 : w.width > 0;
}

/**
 * Writes out[start..end) from values through the window to 0..255 (rounded, clamped, then
 * inverted for MONOCHROME1): PS3.3 C.11.2.1.2 (LINEAR, with its c − 0.5 and w − 1) and
 * C.11.2.1.3 (LINEAR_EXACT, SIGMOID), ymin 0, ymax 255. NaN (padding, see dicom-pixels) → 0,
 * black, and not inverted: padding is "black" for MONOCHROME1 as for MONOCHROME2 (C.7.5.1.1.2
 * pads MONOCHROME1 with 2^BitsStored − 1 for that), and a viewer shows it so. One loop per function, not a per-pixel call through a closure: this is the
 * hottest loop of a study.
 */
export function applyVoiInto(values: Float32Array, out: Uint8Array, start: number, end: number, win: VoiWindow, invert: boolean): void {
  const { center: c, width: w } = win;
  const fn = win.fn ?? 'LINEAR';
  if (fn === 'SIGMOID') {
    // as the standard writes it, −4(x − c)/w: a width as small as 1e-320 is a step at c (±Infinity
    // away from it, 0 at it: 128), where a precomputed −4/w would be −Infinity and make c NaN; a
    // width the standard does not define (≤ 0, definedWindow) is taken as the smallest, never NaN
    const ww = w > 0 ? w : Number.MIN_VALUE;
    for (let i = start; i < end; i++) {
      const x = values[i];
      const y = x === x ? Math.round(255 / (1 + Math.exp((-4 * (x - c)) / ww))) : 0; // NaN (padding) → 0
      out[i] = invert && x === x ? 255 - y : y;
    }
    return;
  }
  // LINEAR: (x − (c − 0.5)) / (w − 1) + 0.5 over (c − 0.5 ± (w − 1)/2); LINEAR_EXACT: (x − c) / w + 0.5 over c ± w/2
  // LINEAR of width 1 (ww 0) is a threshold at c − 0.5: lo = hi, so the division below is never
  // reached; a width the standard does not define (definedWindow) is made one too, never NaN
  const exact = fn === 'LINEAR_EXACT';
  const cc = exact ? c : c - 0.5;
  const ww = Math.max(exact ? w : w - 1, 0);
  const lo = cc - ww / 2;
  const hi = cc + ww / 2;
  for (let i = start; i < end; i++) {
    const x = values[i];
    let y: number;
    if (!(x > lo)) y = 0; // also NaN → 0
    else if (x > hi) y = 255;
    else {
      y = Math.round(((x - cc) / ww + 0.5) * 255);
      y = y < 0 ? 0 : y > 255 ? 255 : y;
    }
    out[i] = invert && x === x ? 255 - y : y; // padding black for MONOCHROME1 too
  }
}

/** A Modality LUT (PS3.3 C.11.1): stored value `first + i` → data[i]; values outside clamp to the ends. */
export interface ModalityLut {
  first: number;
  data: Float32Array;
}

/**
 * The Modality LUT Sequence (0028,3000), when present, replaces Rescale Slope/Intercept (the two
 * are exclusive, C.11.1.1): ignoring it would put every header window in the wrong units. It is
 * simple to apply, so it is applied; a malformed one is a 422, not a guess. Descriptor: entries
 * (0 means 65536), first stored value mapped (US or SS by Pixel Representation), bits per entry.
 */
export function readModalityLut(ds: dicomParser.DataSet, pixelRepresentation: number, pos: FilePosition): ModalityLut | null {
  const item = ds.elements.x00283000?.items?.[0]?.dataSet;
  if (!item) return null;
  const bad = () => new CorruptStudyError(`${fileLabel(pos)}: the Modality LUT Sequence is malformed.`);
  const desc = item.elements.x00283002;
  const lutEl = item.elements.x00283006;
  if (!desc || desc.length < 6 || !lutEl) throw bad();
  const entries = item.uint16('x00283002', 0) || 65536;
  const rawFirst = item.uint16('x00283002', 1) ?? 0;
  const bits = item.uint16('x00283002', 2);
  const first = pixelRepresentation === 1 && rawFirst >= 0x8000 ? rawFirst - 0x10000 : rawFirst;
  // entries ≤ 65536 by construction; the data must actually hold them (one 16-bit word each)
  if ((bits !== 8 && bits !== 16) || lutEl.length < entries * 2) throw bad();
  const data = new Float32Array(entries);
  for (let i = 0; i < entries; i++) data[i] = item.uint16('x00283006', i) ?? 0;
  return { first, data };
}
