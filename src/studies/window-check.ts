import { percentilesOf, SAMPLE_VALUES, SampleBuffer, Window } from './windowing-sample';

/**
 * Is a DICOM header's window one a viewer would show the head with, or one that flattens it? A
 * radiologist's window may clip some bright or dark tissue; a broken one (centre 2, width 1, a
 * 12-bit window over 16-bit values, a centre far outside the data after Rescale Slope/Intercept)
 * leaves the head a white or black silhouette, and the models answer confidently on that. So the
 * study keeps an even sample of its values, each with the byte its own slice's header window gave
 * it, and judges the window on the sample's foreground (the values above FOREGROUND_FRACTION of
 * the volume's robust range: the background of an MR slice is air, near its minimum; below the
 * top FOREGROUND_FRACTION for MONOCHROME1, whose air is stored high to be drawn black).
 *
 * The limits come from scripts/measure-header-window.ts (README, DICOM section; 8 brain series of
 * 6 slices as int16): viewer windows — narrowed by 10–40 %, shifted by up to 15 % of the data's
 * range, the lower 70 % or middle half of it, up to 3× as wide — saturated at most 53 % of the
 * foreground and kept ≥ 77 grey levels (≥ 116 up to 2× as wide); the broken ones (centre 2 with
 * width 4, width 1, 12-bit over 16-bit values, a centre above or 2048 below the data) saturated
 * ≥ 65 %, and the ones that saturate nothing (the int16 range, 20× too wide) kept ≤ 19 levels.
 * Windows 5–10× too wide (24–71 levels) changed 3 and 5 of 8 answers, so 64 levels is the floor.
 */
export const FOREGROUND_FRACTION = 0.1;
/** more than this share of the foreground at 0 or 255: the window is not used */
export const MAX_SATURATED = 0.6;
/** fewer distinct grey levels than this left in the foreground: the window is not used */
export const MIN_GREY_LEVELS = 64;

export interface WindowFigures {
  /** share of the sampled foreground drawn at 0 or 255 */
  saturated: number;
  /** distinct 8-bit values left in the sampled foreground */
  greyLevels: number;
}

export interface WindowVerdict extends WindowFigures {
  /** sampled foreground values (0: nothing to judge, the window is kept) */
  foreground: number;
  /**
   * the same figures for the percentile window that would replace it: a foreground the data
   * itself holds in a few values (a flat synthetic slice) fails with any window, and then the
   * header's is kept — there is nothing for the percentile window to restore
   */
  percentile: WindowFigures;
}

/**
 * Even sample of a volume's finite values and their windowed bytes, fed slice by slice. The same
 * stride and filter as PercentileSampler (windowing.ts), so a window rejected here is replaced by
 * exactly the percentile window the study would have had without a header window.
 */
export class HeaderWindowCheck {
  private readonly stride: number;
  // typed and preallocated: pushing ~262,000 samples onto three plain arrays took ~60 ms a study
  private readonly values: SampleBuffer;
  private bytes: Uint8Array;
  /** 1: the value's slice is MONOCHROME1: its foreground is the low values (drawn bright) */
  private inverted: Uint8Array;
  private k = 0;
  constructor(totalValues: number, maxSamples = SAMPLE_VALUES) {
    this.stride = Math.max(1, Math.ceil(totalValues / maxSamples));
    const capacity = Math.ceil(totalValues / this.stride) + 1;
    this.values = new SampleBuffer(capacity);
    this.bytes = new Uint8Array(this.values.capacity);
    this.inverted = new Uint8Array(this.values.capacity);
  }
  /** values[start..end) and the bytes the window made of them; chunks of one slice in order */
  add(values: Float32Array, out: Uint8Array, start = 0, end = values.length, invert = false): void {
    // the values PercentileSampler would take (every stride-th of the volume), visiting only them:
    // a pass over every value cost as much as the window itself (~7 ns a value)
    for (let i = start + ((this.stride - (this.k % this.stride)) % this.stride); i < end; i += this.stride) {
      if (Number.isFinite(values[i])) {
        const n = this.values.length;
        this.values.push(values[i]);
        if (this.values.capacity !== this.bytes.length) {
          this.bytes = grown(this.bytes, this.values.capacity);
          this.inverted = grown(this.inverted, this.values.capacity);
        }
        this.bytes[n] = out[i];
        this.inverted[n] = invert ? 1 : 0;
      }
    }
    this.k += Math.max(0, end - start);
  }
  /** other percentiles of the sample (tests: the same sample as PercentileSampler's) */
  percentiles(lowPct: number, highPct: number): Window {
    return percentilesOf(this.values.values(), lowPct, highPct);
  }
  private sorted: Window | null = null;
  /** the 0.5–99.5 % percentile window of the sample (what replaces a rejected header window); sorted once */
  window(): Window {
    return (this.sorted ??= percentilesOf(this.values.values()));
  }
  verdict(): WindowVerdict {
    const { lo, hi } = this.window();
    const above = lo + FOREGROUND_FRACTION * (hi - lo);
    const below = hi - FOREGROUND_FRACTION * (hi - lo);
    const header = new Figures();
    const percentile = new Figures();
    const span = hi - lo;
    const values = this.values.values();
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      if (this.inverted[i] ? !(x < below) : !(x > above)) continue;
      header.add(this.bytes[i]);
      // as applyRange draws it (MONOCHROME1's inversion changes neither figure)
      percentile.add(span > 0 ? Math.min(255, Math.max(0, Math.round(((x - lo) / span) * 255))) : 0);
    }
    return { ...header.figures(), foreground: header.n, percentile: percentile.figures() };
  }
}

function grown(a: Uint8Array, capacity: number): Uint8Array {
  const b = new Uint8Array(capacity);
  b.set(a);
  return b;
}

class Figures {
  n = 0;
  private saturated = 0;
  private readonly seen = new Uint8Array(256);
  add(b: number): void {
    this.n++;
    this.seen[b] = 1;
    if (b === 0 || b === 255) this.saturated++;
  }
  figures(): WindowFigures {
    let greyLevels = 0;
    for (const s of this.seen) greyLevels += s;
    return { saturated: this.n ? this.saturated / this.n : 0, greyLevels };
  }
}

const readable = (f: WindowFigures) => f.saturated <= MAX_SATURATED && f.greyLevels >= MIN_GREY_LEVELS;

/**
 * The rule: a header window that saturates most of the foreground, or leaves it a handful of
 * greys, is not used — when the percentile window would not do the same (else the data is flat
 * and the header's window is as good as any).
 */
export function headerWindowUsable(v: WindowVerdict): boolean {
  return v.foreground === 0 || readable(v) || !readable(v.percentile);
}

/** What the answer says when the header window was set aside (the page, the API message and a full PDF carry it; the record keeps its figures for the history page, CSV and study PDF: window-record.ts). */
export function windowNote(v: WindowVerdict): string {
  const pct = Math.round(v.saturated * 100);
  return (
    `The DICOM header's window was not used: it drew ${pct} % of the head at black or white and left ${v.greyLevels} grey level${v.greyLevels === 1 ? '' : 's'}, ` +
    'so the slices were windowed from their own values (0.5th–99.5th percentile) instead.'
  );
}
