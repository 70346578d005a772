/**
 * A small lossless JPEG encoder (ITU-T T.81 Annex H: SOF3, one component, predictors 1–7, point
 * transform, restart intervals) for the DICOM JPEG Lossless fixtures, written for the tests: no
 * package encodes lossless JPEG, and writing the stream here lets the tests damage it on purpose.
 */

export interface LosslessOptions {
  width: number;
  height: number;
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
const FIXED_LENGTHS = [2, 3, 3, 3, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];

/** One grey frame as a lossless JPEG: SOI, SOF3, DHT, [DRI], SOS, data, EOI. */
export function encodeLosslessJpeg(samples: ArrayLike<number>, o: LosslessOptions): Uint8Array {
  const { width: w, height: h, precision: P } = o;
  const ps = o.predictor ?? 1;
  const pt = o.pointTransform ?? 0;
  const restart = o.restartLines ?? 0;
  const x = Uint16Array.from(samples, (v) => v >> pt);
  const diffs = new Int32Array(w * h);
  for (let r = 0; r < h; r++) {
    const first = r === 0 || (restart > 0 && r % restart === 0);
    for (let c = 0; c < w; c++) {
      const i = r * w + c;
      const ra = x[i - 1];
      const rb = x[i - w];
      const rc = x[i - w - 1];
      const px = first ? (c === 0 ? 1 << (P - pt - 1) : ra) : c === 0 ? rb : [0, ra, rb, rc, ra + rb - rc, ra + ((rb - rc) >> 1), rb + ((ra - rc) >> 1), (ra + rb) >> 1][ps];
      let d = (x[i] - px) & 0xffff; // modulo 2^16 (H.2.1), then as a signed difference
      if (d >= 0x8000) d -= 0x10000;
      diffs[i] = d;
    }
  }
  const category = (d: number) => (d === -32768 ? 16 : d === 0 ? 0 : 32 - Math.clz32(Math.abs(d)));
  const lengths = o.table === 'fitted' ? fittedLengths(diffs, category) : FIXED_LENGTHS;
  const { counts, values, codes } = canonical(lengths);

  const out: number[] = [0xff, 0xd8];
  const segment = (marker: number, body: number[]) => out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body);
  segment(0xc3, [P, h >> 8, h & 0xff, w >> 8, w & 0xff, 1, 1, 0x11, 0]);
  segment(0xc4, [0x00, ...counts, ...values]);
  if (restart) segment(0xdd, [(restart * w) >> 8, (restart * w) & 0xff]);
  segment(0xda, [1, 1, 0x00, ps, 0, pt]);
  let acc = 0;
  let bits = 0;
  const put = (v: number, n: number) => {
    for (let k = n - 1; k >= 0; k--) {
      acc = (acc << 1) | ((v >> k) & 1);
      if (++bits === 8) {
        out.push(acc);
        if (acc === 0xff) out.push(0); // byte stuffing
        acc = 0;
        bits = 0;
      }
    }
  };
  const flush = () => {
    if (bits) put(0xff, 8 - bits); // pad with ones
  };
  for (let i = 0; i < diffs.length; i++) {
    if (restart && i > 0 && i % (restart * w) === 0) {
      flush();
      out.push(0xff, 0xd0 + ((i / (restart * w) - 1) % 8));
    }
    const d = diffs[i];
    const t = category(d);
    put(codes[t], lengths[t]);
    if (t > 0 && t < 16) put(d > 0 ? d : d + (1 << t) - 1, t);
  }
  flush();
  out.push(0xff, 0xd9);
  return Uint8Array.from(out);
}

/** Lengths for the categories that occur, from their frequencies (Huffman, then capped at 16 bits). */
function fittedLengths(diffs: Int32Array, category: (d: number) => number): number[] {
  const freq = new Array<number>(17).fill(0);
  for (const d of diffs) freq[category(d)]++;
  // one extra, unused symbol keeps the all-ones code out of the table (T.81 K.2)
  const nodes = freq.map((f, s) => ({ f, syms: [s] })).filter((n) => n.f > 0);
  nodes.push({ f: 0, syms: [17] });
  const lengths = new Array<number>(18).fill(0);
  while (nodes.length > 1) {
    nodes.sort((a, b) => a.f - b.f);
    const [a, b] = nodes.splice(0, 2);
    for (const s of [...a.syms, ...b.syms]) lengths[s]++;
    nodes.push({ f: a.f + b.f, syms: [...a.syms, ...b.syms] });
  }
  if (lengths.some((l) => l > 16)) return FIXED_LENGTHS; // not reached by the fixtures' images
  return lengths.slice(0, 17);
}

/** Canonical codes (T.81 C.2) from code lengths per symbol (0: not coded): DHT counts and values, and each symbol's code. */
function canonical(lengths: number[]): { counts: number[]; values: number[]; codes: number[] } {
  const counts = new Array<number>(16).fill(0);
  const values: number[] = [];
  const codes = new Array<number>(lengths.length).fill(0);
  let code = 0;
  for (let len = 1; len <= 16; len++) {
    for (let s = 0; s < lengths.length; s++) {
      if (lengths[s] !== len) continue;
      counts[len - 1]++;
      values.push(s);
      codes[s] = code++;
    }
    code <<= 1;
  }
  return { counts, values, codes };
}

export const JPEG_LOSSLESS = '1.2.840.10008.1.2.4.57';
export const JPEG_LOSSLESS_SV1 = '1.2.840.10008.1.2.4.70';

