import { canonical, fittedLengths, JpegWriter } from './jpeg-writer';

/**
 * A small lossless JPEG encoder (ITU-T T.81 Annex H: SOF3, one component, predictors 1–7, point
 * transform, restart intervals) for the DICOM JPEG Lossless fixtures, written for the tests: no
 * package encodes lossless JPEG, and writing the stream here lets the tests damage it on purpose.
 */

export interface LosslessOptions {
  width: number;
  height: number;
  /** 3: colour, `samples` interleaved (R G B …), coded in one interleaved scan with one table (default 1) */
  components?: 1 | 3;
  /** sample precision P, 2–16 */
  precision: number;
  /** 1–7 (SV1, transfer syntax .70, is 1) */
  predictor?: number;
  /** Pt: the low Pt bits of every sample are dropped (they must be zero for the result to be lossless) */
  pointTransform?: number;
  /** lines per restart interval (0: none) */
  restartLines?: number;
  /** Huffman table: 'fixed' (every category 0–16 coded), or 'fitted' (only the categories used, shortest codes for the commonest) */
  table?: 'fixed' | 'fitted';
}

/** Code lengths of difference categories 0–16 (a complete prefix code but for the all-ones code of length 14, which T.81 reserves). */
const FIXED = new Map([2, 3, 3, 3, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14].map((len, t) => [t, len]));

/** One grey frame as a lossless JPEG: SOI, SOF3, DHT, [DRI], SOS, data, EOI. */
export function encodeLosslessJpeg(samples: ArrayLike<number>, o: LosslessOptions): Uint8Array {
  const { width: w, height: h, precision: P } = o;
  const ps = o.predictor ?? 1;
  const pt = o.pointTransform ?? 0;
  const restart = o.restartLines ?? 0;
  const nc = o.components ?? 1;
  const x = Uint16Array.from(samples, (v) => v >> pt);
  const diffs = new Int32Array(w * h * nc);
  for (let r = 0; r < h; r++) {
    const first = r === 0 || (restart > 0 && r % restart === 0);
    for (let c = 0; c < w; c++) {
      for (let k = 0; k < nc; k++) {
        // each component predicted from its own neighbours (H.1.2), the pixel's components one after another
        const i = (r * w + c) * nc + k;
        const ra = x[i - nc];
        const rb = x[i - w * nc];
        const rc = x[i - w * nc - nc];
        const px = first ? (c === 0 ? 1 << (P - pt - 1) : ra) : c === 0 ? rb : [0, ra, rb, rc, ra + rb - rc, ra + ((rb - rc) >> 1), rb + ((ra - rc) >> 1), (ra + rb) >> 1][ps];
        let d = (x[i] - px) & 0xffff; // modulo 2^16 (H.2.1), then as a signed difference
        if (d >= 0x8000) d -= 0x10000;
        diffs[i] = d;
      }
    }
  }
  const category = (d: number) => (d === -32768 ? 16 : d === 0 ? 0 : 32 - Math.clz32(Math.abs(d)));
  const { counts, values, codes, lengths } = canonical((o.table === 'fitted' && fitted(diffs, category)) || FIXED);

  const out = new JpegWriter();
  out.segment(0xc3, [P, h >> 8, h & 0xff, w >> 8, w & 0xff, nc, ...Array.from({ length: nc }, (_, k) => [k + 1, 0x11, 0]).flat()]);
  out.segment(0xc4, [0x00, ...counts, ...values]);
  if (restart) out.segment(0xdd, [(restart * w) >> 8, (restart * w) & 0xff]);
  out.segment(0xda, [nc, ...Array.from({ length: nc }, (_, k) => [k + 1, 0x00]).flat(), ps, 0, pt]);
  for (let i = 0; i < diffs.length; i++) {
    if (restart && i > 0 && i % (restart * w * nc) === 0) out.restart((i / (restart * w * nc) - 1) % 8); // an MCU is a pixel, all its components
    const d = diffs[i];
    const t = category(d);
    out.put(codes.get(t)!, lengths.get(t)!);
    if (t > 0 && t < 16) out.put(d > 0 ? d : d + (1 << t) - 1, t);
  }
  return out.end();
}

/** Lengths for the categories that occur, from their frequencies (null past 16 bits: not reached by the fixtures' images). */
function fitted(diffs: Int32Array, category: (d: number) => number): Map<number, number> | null {
  const freq = new Array<number>(17).fill(0);
  for (const d of diffs) freq[category(d)]++;
  return fittedLengths(new Map(freq.map((f, t): [number, number] => [t, f]).filter(([, f]) => f > 0)));
}

export const JPEG_LOSSLESS = '1.2.840.10008.1.2.4.57';
export const JPEG_LOSSLESS_SV1 = '1.2.840.10008.1.2.4.70';

