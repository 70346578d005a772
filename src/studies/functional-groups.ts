import type * as dicomParser from 'dicom-parser';
import { usableOrientation } from './dicom-orientation';
import { rawRescale } from './rescale';
import { readVoiWindow, VoiWindow } from './voi-lut';

/*
 * Enhanced (multi-frame) DICOM objects keep each frame's geometry and pixel transforms in
 * functional groups: the Per-frame Functional Groups Sequence (5200,9230) has one item per frame,
 * the Shared Functional Groups Sequence (5200,9229) one item for all; a macro in the frame's item
 * wins over the shared one (PS3.3 C.7.6.16).
 */

export interface FrameInfo {
  position: number[] | null;
  orientation: number[] | null;
  /** Pixel Measures (0028,9110) → Pixel Spacing, [between rows, between columns] mm; null when absent */
  pixelSpacing: [number, number] | null;
  window: VoiWindow | null;
  /** Rescale Slope and Intercept as written (rescale.ts); never 0 or NaN once the header is read */
  slope: number | null;
  intercept: number | null;
}

export type NumIn = (d: dicomParser.DataSet | undefined, tag: string, index?: number) => number | null;
export type MultiIn = (d: dicomParser.DataSet | undefined, tag: string, n: number) => number[] | null;

export function item(d: dicomParser.DataSet | undefined, seqTag: string, index = 0): dicomParser.DataSet | undefined {
  return d?.elements[seqTag]?.items?.[index]?.dataSet;
}

/**
 * Per frame, the plane position/orientation, pixel spacing, VOI window and rescale from that
 * frame's Per-frame Functional Groups item, else the Shared one; null for a classic object.
 * `frames` was checked against the study's limit before this loop (dicom.ts); items beyond it
 * are never visited.
 */
export function readFunctionalGroups(ds: dicomParser.DataSet, frames: number, numIn: NumIn, multiIn: MultiIn): FrameInfo[] | null {
  const shared = item(ds, 'x52009229');
  const perFrameSeq = ds.elements.x52009230;
  if (!shared && !perFrameSeq) return null;
  const out: FrameInfo[] = [];
  for (let f = 0; f < frames; f++) {
    const pf = item(ds, 'x52009230', f);
    const macro = (tag: string) => item(pf, tag) ?? item(shared, tag);
    const voi = macro('x00289132');
    const pvt = macro('x00289145');
    const spacing = multiIn(macro('x00289110'), 'x00280030', 2);
    out.push({
      position: multiIn(macro('x00209113'), 'x00200032', 3),
      orientation: usableOrientation(multiIn(macro('x00209116'), 'x00200037', 6)), // as the top-level one (dicom.ts)
      pixelSpacing: spacing ? [spacing[0], spacing[1]] : null,
      window: readVoiWindow(voi, numIn), // with the frame's VOI LUT Function
      ...rawRescale(pvt), // as written (0, NaN): checked where it is used (dicom-header.ts)
    });
  }
  return out;
}
