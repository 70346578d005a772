import { nextTurn } from '../common/abort';
import type { RawImage } from '../inference/preprocess';
import { SquarePlan, toSquarePixels } from './square-pixels';
import { applyVoiInto, definedWindow, VoiWindow } from './voi-lut';
import { headerWindowUsable, HeaderWindowCheck, WindowVerdict } from './window-check';
import { percentilesOf, SAMPLE_VALUES, SampleBuffer, Window } from './windowing-sample';

export type { Window } from './windowing-sample';

/** A slice in physical units (DICOM modality values after rescale, NIfTI values after scl_*). */
export interface ScalarSlice {
  width: number;
  height: number;
  values: Float32Array;
  /** window from the DICOM header (first value of a multi-valued tag) with its VOI LUT Function, if any */
  window?: VoiWindow | null;
  /** MONOCHROME1: low values are displayed bright */
  invert?: boolean;
}

/**
 * A DICOM window (VOI LUT Function LINEAR unless `fn` says otherwise) to 0..255; the transfer
 * functions are in voi-lut.ts.
 */
export function applyDicomWindow(values: Float32Array, center: number, width: number, invert = false, fn?: VoiWindow['fn']): Uint8Array {
  const out = new Uint8Array(values.length);
  applyVoiInto(values, out, 0, values.length, { center, width, fn }, invert);
  return out;
}

/** Linear map [lo, hi] → [0, 255], clamped. */
export function applyRange(values: Float32Array, win: Window, invert = false): Uint8Array {
  const out = new Uint8Array(values.length);
  applyRangeInto(values, out, 0, values.length, win, invert);
  return out;
}

function applyRangeInto(values: Float32Array, out: Uint8Array, start: number, end: number, win: Window, invert: boolean): void {
  const span = win.hi - win.lo;
  for (let i = start; i < end; i++) {
    const x = values[i];
    // non-finite: +Inf is above any window (white); NaN (e.g. a masked map's background) and −Inf below.
    // NaN is DICOM padding or no value: black, MONOCHROME1 or not (as in applyVoiInto)
    let b = x === Infinity ? 255 : span > 0 && Number.isFinite(x) ? Math.round(((x - win.lo) / span) * 255) : 0;
    b = b < 0 ? 0 : b > 255 ? 255 : b;
    out[i] = invert && x === x ? 255 - b : b;
  }
}

/**
 * Robust window over a whole volume: the 0.5th and 99.5th percentiles of its finite values
 * (from an even sample of at most 256 k values), so one hot voxel cannot flatten the contrast
 * and all slices of a study share one contrast, as a radiologist's viewer shows them.
 */
export function percentileWindow(slices: Float32Array[], lowPct = 0.5, highPct = 99.5): Window {
  const sampler = new PercentileSampler(slices.reduce((n, v) => n + v.length, 0));
  for (const v of slices) sampler.add(v);
  return sampler.window(lowPct, highPct);
}

/** Even sample of a volume's finite values, fed slice by slice (no need to hold the volume). */
export class PercentileSampler {
  private readonly stride: number;
  private readonly sample: SampleBuffer;
  private k = 0;
  constructor(totalValues: number, maxSamples = SAMPLE_VALUES) {
    this.stride = Math.max(1, Math.ceil(totalValues / maxSamples));
    this.sample = new SampleBuffer(Math.ceil(totalValues / this.stride) + 1);
  }
  /** Feeds values[start..end); chunks of one slice must be fed in order. */
  add(values: Float32Array, start = 0, end = values.length): void {
    // every stride-th value of the volume, visiting only those (as HeaderWindowCheck)
    for (let i = start + ((this.stride - (this.k % this.stride)) % this.stride); i < end; i += this.stride) {
      if (Number.isFinite(values[i])) this.sample.push(values[i]);
    }
    this.k += Math.max(0, end - start);
  }
  window(lowPct = 0.5, highPct = 99.5): Window {
    return percentilesOf(this.sample.values(), lowPct, highPct);
  }
}

/** A decoded slice: grey in physical units, or already 8-bit RGB (taken as is). */
export type SliceData = ScalarSlice | { rgb: RawImage };

/**
 * Main-thread work between two yields to the event loop, in pixels. The slowest per-pixel step
 * here (decode or window, ~7 ns/pixel on the 2-core production box) makes 1 M pixels ≈ 10 ms,
 * so no stretch without a yield comes near 50 ms even with a slice read and windowed back to
 * back; counting slices instead (as before) let a 4 MP slice hold the loop for a whole decode
 * plus window.
 */
export const YIELD_EVERY_PIXELS = 1 << 20;
/** …and at least every this many slices, however small (each read has fixed costs too). */
export const YIELD_EVERY_SLICES = 8;

/**
 * Counts work done and yields (setImmediate: lets I/O and timers run) when enough has been. With
 * a signal, every yield and every finished slice checks it: a study whose request is over (504
 * timeout, client gone) stops within one chunk of work — the abort can only fire during a yield —
 * instead of decoding, windowing and resampling the rest for nobody.
 */
export class Pacer {
  yields = 0;
  private pixels = 0;
  private slices = 0;
  constructor(private readonly signal?: AbortSignal) {}
  async work(pixels: number): Promise<void> {
    this.pixels += pixels;
    if (this.pixels >= YIELD_EVERY_PIXELS) await this.yield();
  }
  async sliceDone(): Promise<void> {
    this.signal?.throwIfAborted();
    if (++this.slices >= YIELD_EVERY_SLICES) await this.yield();
  }
  async yield(): Promise<void> {
    this.pixels = 0;
    this.slices = 0;
    this.yields++;
    await nextTurn(this.signal);
  }
  /** Throws the signal's reason if it has fired (before starting a slice's read). */
  check(): void {
    this.signal?.throwIfAborted();
  }
}

export interface WindowStudyOptions {
  /** each slice's square-pixel plan (square-pixels.ts); without one a slice keeps its stored size */
  plan?: (i: number) => SquarePlan;
  /**
   * Percentile mode: bytes of decoded slices (float32 values, or RGB) the sampling pass may keep
   * for the rendering pass, which then takes them instead of decoding them again; slices past it
   * are decoded a second time. 0 (the default): only one decoded slice is held at a time.
   */
  keepBytes?: number;
  /** the request's end (timeout, client gone): checked at every yield and before every read */
  signal?: AbortSignal;
  /** paces the work (default: a new Pacer on `signal`) */
  pacer?: Pacer;
}

/**
 * Windows every slice of a study to 8-bit and gives it square pixels (`plan`), reading each
 * slice through `read`. The window: the header's when every grey slice has one
 * (`headerWindows`) and it leaves the head readable (window-check.ts: judged on an even sample taken
 * while rendering; one that does not is set aside, `headerWindowIgnored`, and every slice read and
 * rendered again with the percentile window of that sample — a second decode only for such a
 * study), otherwise one robust percentile window for the whole volume — a first pass
 * samples the values, a second applies it to the slices the first kept (up to `keepBytes`: each
 * slice decoded once) and to the others read again (at most one of them held at a time). Yields
 * to the event loop by work done (Pacer): after each read, and within a slice every
 * YIELD_EVERY_PIXELS pixels sampled, windowed or resampled. Cancelling: `options.signal` is
 * checked at each of those yields and before each read (its reason is thrown); `read` may also
 * throw. Nothing here outlives the call.
 */
export async function windowStudy(
  count: number,
  valuesPerSlice: number,
  headerWindows: boolean,
  read: (i: number) => Promise<SliceData> | SliceData,
  options: WindowStudyOptions = {},
): Promise<WindowedStudy> {
  const pacer = options.pacer ?? new Pacer(options.signal);
  if (headerWindows) {
    // the header's windows, each value sampled with the byte its slice's window gave it (cheap:
    // one value in `stride`); a window that flattens the head is replaced below (window-check.ts)
    const check = new HeaderWindowCheck(count * valuesPerSlice);
    const shown = await renderSlices(count, read, null, options, pacer, check);
    const verdict = check.verdict();
    await pacer.yield(); // the sort of up to 256 k samples
    if (headerWindowUsable(verdict)) return { ...shown, headerWindowIgnored: null };
    shown.images.length = 0; // let the flattened slices go before the second render
    const win = check.window(); // the same sample, so the same window as the percentile path's
    return { ...(await renderSlices(count, read, win, options, pacer)), headerWindowIgnored: verdict };
  }
  const kept = new Array<SliceData | undefined>(count);
  const sampler = new PercentileSampler(count * valuesPerSlice);
  let keptBytes = 0;
  for (let i = 0; i < count; i++) {
    pacer.check();
    const d = await read(i);
    if (!('rgb' in d)) {
      await pacer.work(d.values.length); // the read decoded as many values
      for (let s = 0; s < d.values.length; s += YIELD_EVERY_PIXELS) {
        const e = Math.min(d.values.length, s + YIELD_EVERY_PIXELS);
        sampler.add(d.values, s, e);
        await pacer.work(e - s);
      }
    }
    const size = 'rgb' in d ? d.rgb.data.byteLength : d.values.byteLength;
    if (keptBytes + size <= (options.keepBytes ?? 0)) {
      kept[i] = d;
      keptBytes += size;
    }
    await pacer.sliceDone();
  }
  const win = sampler.window();
  await pacer.yield(); // the sort of up to 256 k samples
  return { ...(await renderSlices(count, read, win, options, pacer, undefined, kept)), headerWindowIgnored: null };
}

export interface WindowedStudy {
  images: RawImage[];
  windowing: 'header' | 'percentile' | 'none';
  /** the header's window was present but not used, and why (window-check.ts); null otherwise */
  headerWindowIgnored: WindowVerdict | null;
}

/**
 * Windows and squares every slice: with `win` (one range for the volume), else each slice's own
 * header window, whose sample goes to `check`. `kept` slices are taken instead of read again.
 */
async function renderSlices(
  count: number,
  read: (i: number) => Promise<SliceData> | SliceData,
  win: Window | null,
  options: WindowStudyOptions,
  pacer: Pacer,
  check?: HeaderWindowCheck,
  kept: (SliceData | undefined)[] = [],
): Promise<{ images: RawImage[]; windowing: 'header' | 'percentile' | 'none' }> {
  let grey = 0;
  const images: RawImage[] = [];
  for (let i = 0; i < count; i++) {
    pacer.check();
    const d = kept[i] ?? (await read(i));
    kept[i] = undefined; // windowed below: its values may go
    let image: RawImage;
    if ('rgb' in d) image = d.rgb;
    else {
      grey++;
      await pacer.work(d.values.length);
      const out = new Uint8Array(d.values.length);
      for (let s = 0; s < out.length; s += YIELD_EVERY_PIXELS) {
        const e = Math.min(out.length, s + YIELD_EVERY_PIXELS);
        if (win) applyRangeInto(d.values, out, s, e, win, d.invert ?? false);
        else {
          applyVoiInto(d.values, out, s, e, d.window!, d.invert ?? false);
          check?.add(d.values, out, s, e, d.invert ?? false);
        }
        await pacer.work(e - s);
      }
      image = { width: d.width, height: d.height, channels: 1, data: out };
    }
    images.push(options.plan ? await toSquarePixels(image, options.plan(i), pacer) : image);
    await pacer.sliceDone();
  }
  return { images, windowing: grey === 0 ? 'none' : win ? 'percentile' : 'header' };
}

/** Convenience for slices already in memory (tests). */
export async function windowSlices(slices: ScalarSlice[]): Promise<WindowedStudy> {
  const header = slices.length > 0 && slices.every((s) => s.window && definedWindow(s.window));
  return windowStudy(slices.length, slices[0]?.values.length ?? 0, header, (i) => slices[i], { keepBytes: Infinity }); // in memory already
}
