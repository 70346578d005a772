import { dicomSeries, GreySlice, syntheticSlice } from './study-fixtures';

/**
 * The fuzz pass's phantom series (scripts/fuzz/seeds.ts): 3 textured head slices of 64 × 64, in
 * code. With Window Center 2 and Width 4 the real models answered `completed` "notumor" at 0.985,
 * the series itself NOT_MRI; the header window check (window-check.ts) sets that window aside.
 */
const SIDE = 64;
const head = (k: number): GreySlice =>
  syntheticSlice(SIDE, SIDE, (x, y) => {
    const dx = (x - SIDE / 2) / (SIDE * 0.4);
    const dy = (y - SIDE / 2) / (SIDE * 0.45);
    const r = dx * dx + dy * dy;
    return r < 1 ? 90 + 60 * Math.sin(x / 5 + k) * Math.cos(y / 7) + 40 * (1 - r) : 0;
  });
export const PHANTOM_SLICES = [0, 1, 2].map(head);

/** The phantom as DICOM files with this header window (dicomSlice's modality values: the 8-bit phantom). */
export const phantomWithWindow = (center: string, width: string): Buffer[] =>
  dicomSeries(PHANTOM_SLICES, { window: false, tags: { WindowCenter: center, WindowWidth: width } });
