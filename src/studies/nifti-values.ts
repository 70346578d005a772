import { CorruptStudyError, FilePosition, fileLabel } from './study-errors';

/** The largest magnitude a float32 holds: a slice's values are float32 (windowing.ts ScalarSlice). */
const F32_MAX = 3.4028234663852886e38;
/** Finite values sampled for the window of a volume beyond float32's range (as windowing.ts's sampler). */
const MAX_SAMPLES = 262_144;

/** The largest magnitude each NIfTI datatype can store (before scl_slope / scl_inter). */
const TYPE_MAX: Record<number, number> = {
  2: 255, 4: 32_768, 8: 2 ** 31, 16: F32_MAX, 64: Number.MAX_VALUE, 256: 128, 512: 65_535, 768: 2 ** 32, 1024: 2 ** 63, 1280: 2 ** 64,
};
/** Datatypes that can store NaN and ±Inf. */
const FLOAT_TYPES = new Set([16, 64]);

/**
 * How a NIfTI volume's scaled voxel values (raw × scl_slope + scl_inter, in double precision)
 * become the float32 values a slice carries, decided from a look at the first volume:
 *
 * - Non-finite voxels (NaN, ±Inf, also those the scaling makes so) become NaN, which the
 *   windowing leaves out of the percentile window and draws at the window's low end (black). So
 *   do +Inf voxels: they are no brighter tissue but a broken value (a ratio map's division by
 *   zero), and drawn white they look like a bright lesion to the models.
 * - When some finite value is beyond float32's range (a float64 file of values near 1e300, or a
 *   huge scl_slope), storing it as float32 made it +Inf: a volume at that scale turned entirely
 *   white. If most of the finite values are beyond it, the volume lives at that scale: it is
 *   windowed here, in double precision, from its finite values (the 0.5th–99.5th percentiles,
 *   as windowing.ts does) and handed on as fractions of that window (0 at its low end, 1 at its
 *   high end, clamped to −1…2: outside it is drawn as its ends anyway), which the display's
 *   percentile window then spans again. If most fit, the few beyond are no intensity but a
 *   fill value (DBL_MAX for "no data"): they are treated as non-finite (NaN, the low end), so
 *   that they neither whiten nor, taken into the window, blacken the tissue around them.
 * - A volume with no finite value at all has nothing to show: refused as unreadable pixel data
 *   (CorruptStudyError, 422) rather than shown as a black or white field the models would read.
 */
export function voxelMapping(
  read: (voxel: number) => number,
  nvox: number,
  datatype: number,
  slope: number,
  inter: number,
  pos: FilePosition,
): (scaled: number) => number {
  const canOverflow = (TYPE_MAX[datatype] ?? Number.MAX_VALUE) * Math.abs(slope) + Math.abs(inter) > F32_MAX;
  // an integer type with a finite slope and intercept has only finite values, all within float32
  if (!canOverflow && !FLOAT_TYPES.has(datatype)) return finiteOrNaN;
  let anyFinite = false;
  let beyond = false;
  for (let i = 0; i < nvox; i++) {
    const v = read(i) * slope + inter;
    if (!Number.isFinite(v)) continue;
    anyFinite = true;
    if (!Number.isFinite(Math.fround(v))) {
      beyond = true;
      break;
    }
    if (!canOverflow) break; // one finite value is all this type needs shown
  }
  if (!anyFinite) {
    throw new CorruptStudyError(`${fileLabel(pos)}: no voxel of the NIfTI volume has a finite value (all are NaN or infinite), so there is no image to analyse.`);
  }
  if (!beyond) return finiteOrNaN;
  const sample = finiteSample(read, nvox, slope, inter);
  const fitting = sample.filter((v) => Number.isFinite(Math.fround(v))).length;
  if (fitting * 2 >= sample.length) return (v) => (Number.isFinite(Math.fround(v)) ? v : NaN);
  const { lo, hi } = percentiles(sample);
  // halves: hi − lo itself may overflow (−1e308 … 1e308)
  const half = hi / 2 - lo / 2;
  return (v) => {
    if (!Number.isFinite(v)) return NaN;
    const t = half > 0 ? (v / 2 - lo / 2) / half : 0;
    return t < -1 ? -1 : t > 2 ? 2 : t;
  };
}

const finiteOrNaN = (v: number): number => (Number.isFinite(v) ? v : NaN);

/** An even sample of the volume's finite scaled values (at least one: the caller saw one). */
function finiteSample(read: (voxel: number) => number, nvox: number, slope: number, inter: number): number[] {
  const sample: number[] = [];
  const stride = Math.max(1, Math.ceil(nvox / MAX_SAMPLES));
  for (let i = 0; i < nvox; i += stride) {
    const v = read(i) * slope + inter;
    if (Number.isFinite(v)) sample.push(v);
  }
  // finite voxels so few that the stride passed them all: take them wherever they are
  for (let i = 0; !sample.length && i < nvox; i++) {
    const v = read(i) * slope + inter;
    if (Number.isFinite(v)) sample.push(v);
  }
  return sample;
}

/** The 0.5th and 99.5th percentiles of the sample (its extremes when those coincide), as windowing.ts's PercentileSampler. */
function percentiles(sample: number[]): { lo: number; hi: number } {
  const sorted = Float64Array.from(sample).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))))];
  const lo = at(0.5);
  const hi = at(99.5);
  return hi > lo ? { lo, hi } : { lo: sorted[0], hi: sorted[sorted.length - 1] };
}
