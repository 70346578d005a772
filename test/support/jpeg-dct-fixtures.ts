import { canonical, fittedLengths, JpegWriter } from './jpeg-writer';

/**
 * A small sequential DCT JPEG encoder (ITU-T T.81 Annex F: SOF0/SOF1, Huffman, one component, 8- or
 * 12-bit samples, restart intervals) for the DICOM JPEG Extended fixtures, written for the tests:
 * sharp/libvips and Pillow write 8-bit JPEG only, and writing the stream here lets the tests choose
 * its tables and damage it on purpose. Alongside the stream it returns what an exact decoder must
 * give: the quantised coefficients put back through the textbook 2-D inverse DCT (A.3.3), computed
 * directly rather than separably, so that it shares no code with src/studies/jpeg-dct.ts.
 */

export interface DctOptions {
  width: number;
  height: number;
  /** 8 or 12 */
  precision: number;
  /** IJG quality 1–100 scaling the T.81 K.1 luminance table (default 90) */
  quality?: number;
  /** 0: baseline SOF0 (8-bit only), 1: extended SOF1 (default) */
  frameType?: number;
  /** blocks per restart interval (0: none) */
  restartBlocks?: number;
  /** table ids the frame and scan use (default 0; extended allows 0–3) */
  quantId?: number;
  dcId?: number;
  acId?: number;
  /** write the quantisation table with 16-bit entries (Pq 1) */
  quant16?: boolean;
  /** H = V sampling factor written in the frame header (a single component is decoded as 1 × 1 anyway) */
  sampling?: number;
  /** Huffman tables: 'fitted' (from the symbols' frequencies) or 'flat' (every symbol, one length) */
  huffman?: 'fitted' | 'flat';
}

export interface DctFixture {
  stream: Uint8Array;
  /** the samples an exact decoder gives (row after row) */
  expected: Uint16Array;
}

const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38,
  31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];
/** T.81 Table K.1, natural order */
const LUMINANCE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49,
  64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const c = (u: number) => (u === 0 ? Math.SQRT1_2 : 1);
const COS = Array.from({ length: 64 }, (_, i) => Math.cos(((2 * (i & 7) + 1) * (i >> 3) * Math.PI) / 16)); // [u*8+x]
const category = (v: number) => (v === 0 ? 0 : 32 - Math.clz32(Math.abs(v)));

/** The quantisation table of an IJG quality (jcparam.c's scaling), natural order. */
export function quantTable(quality: number, max: number): number[] {
  const scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
  return LUMINANCE.map((q) => Math.min(max, Math.max(1, Math.floor((q * scale + 50) / 100))));
}

/** One grey frame as a sequential DCT JPEG: SOI, DQT, SOF0/1, DHT ×2, [DRI], SOS, data, EOI. */
export function encodeDctJpeg(samples: ArrayLike<number>, o: DctOptions): DctFixture {
  const { width: w, height: h, precision: P } = o;
  const q = quantTable(o.quality ?? 90, o.quant16 ? 65535 : 255);
  const bw = Math.ceil(w / 8);
  const bh = Math.ceil(h / 8);
  const shift = 1 << (P - 1);
  const max = (1 << P) - 1;
  // quantised coefficients of every block, zig-zag order; the edge blocks repeat the last column / row
  const blocks: Int32Array[] = [];
  const expected = new Uint16Array(w * h);
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      const f = Array.from({ length: 64 }, (_, i) => samples[Math.min(h - 1, by * 8 + (i >> 3)) * w + Math.min(w - 1, bx * 8 + (i & 7))] - shift);
      const zz = new Int32Array(64);
      const deq = new Array<number>(64).fill(0);
      for (let v = 0; v < 8; v++) {
        for (let u = 0; u < 8; u++) {
          let s = 0;
          for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) s += f[y * 8 + x] * COS[u * 8 + x] * COS[v * 8 + y];
          const k = v * 8 + u;
          const qv = Math.round((s * c(u) * c(v)) / 4 / q[k]);
          zz[ZIGZAG.indexOf(k)] = qv;
          deq[k] = qv * q[k];
        }
      }
      blocks.push(zz);
      for (let y = 0; y < 8 && by * 8 + y < h; y++) {
        for (let x = 0; x < 8 && bx * 8 + x < w; x++) {
          let s = 0;
          for (let v = 0; v < 8; v++) for (let u = 0; u < 8; u++) s += c(u) * c(v) * deq[v * 8 + u] * COS[u * 8 + x] * COS[v * 8 + y];
          expected[(by * 8 + y) * w + bx * 8 + x] = Math.min(max, Math.max(0, Math.round(s / 4) + shift));
        }
      }
    }
  }
  // the symbols, then the tables that code them
  const restart = o.restartBlocks ?? 0;
  type Sym = { table: 0 | 1; sym: number; extra: number; bits: number } | { rst: number };
  const syms: Sym[] = [];
  let pred = 0;
  blocks.forEach((zz, b) => {
    if (restart && b > 0 && b % restart === 0) {
      syms.push({ rst: (b / restart - 1) % 8 });
      pred = 0;
    }
    const d = zz[0] - pred;
    pred = zz[0];
    const t = category(d);
    if (t > P + 3) throw new Error(`DC difference of ${t} bits`);
    syms.push({ table: 0, sym: t, extra: d < 0 ? d + (1 << t) - 1 : d, bits: t });
    let run = 0;
    for (let k = 1; k < 64; k++) {
      const v = zz[k];
      if (v === 0) {
        run++;
        continue;
      }
      for (; run >= 16; run -= 16) syms.push({ table: 1, sym: 0xf0, extra: 0, bits: 0 });
      const s = category(v);
      if (s > P + 2) throw new Error(`AC coefficient of ${s} bits`);
      syms.push({ table: 1, sym: (run << 4) | s, extra: v < 0 ? v + (1 << s) - 1 : v, bits: s });
      run = 0;
    }
    if (run) syms.push({ table: 1, sym: 0x00, extra: 0, bits: 0 });
  });
  const tables = [0, 1].map((t) => {
    const freq = new Map<number, number>();
    for (const s of syms) if ('sym' in s && s.table === t) freq.set(s.sym, (freq.get(s.sym) ?? 0) + 1);
    return o.huffman === 'flat' ? canonical(flatLengths(t, P)) : canonical(fittedLengths(freq) ?? flatLengths(t, P));
  });

  const out = new JpegWriter();
  const zq = ZIGZAG.map((k) => q[k]);
  out.segment(0xdb, [((o.quant16 ? 1 : 0) << 4) | (o.quantId ?? 0), ...(o.quant16 ? zq.flatMap((v) => [v >> 8, v & 0xff]) : zq)]);
  const hv = o.sampling ?? 1;
  out.segment(0xc0 + (o.frameType ?? 1), [P, h >> 8, h & 0xff, w >> 8, w & 0xff, 1, 1, (hv << 4) | hv, o.quantId ?? 0]);
  out.segment(0xc4, [o.dcId ?? 0, ...tables[0].counts, ...tables[0].values]);
  out.segment(0xc4, [0x10 | (o.acId ?? 0), ...tables[1].counts, ...tables[1].values]);
  if (restart) out.segment(0xdd, [restart >> 8, restart & 0xff]);
  out.segment(0xda, [1, 1, ((o.dcId ?? 0) << 4) | (o.acId ?? 0), 0, 63, 0]);
  for (const s of syms) {
    if ('rst' in s) {
      out.restart(s.rst);
      continue;
    }
    const t = tables[s.table];
    out.put(t.codes.get(s.sym)!, t.lengths.get(s.sym)!);
    out.put(s.extra, s.bits);
  }
  return { stream: out.end(), expected };
}

/** Every symbol a table of class `t` may hold for P-bit samples, all of one length (the all-ones code left out). */
function flatLengths(t: number, P: number): Map<number, number> {
  const syms = t === 0 ? Array.from({ length: P + 4 }, (_, s) => s) : [0x00, 0xf0, ...Array.from({ length: 16 * (P + 2) }, (_, i) => (Math.floor(i / (P + 2)) << 4) | (1 + (i % (P + 2))))];
  const len = 32 - Math.clz32(syms.length); // 2^len > syms.length: the all-ones code stays free
  return new Map(syms.map((s) => [s, len]));
}

/** A grey disc on a background, a smooth field and a little noise: an MR-like slice of `precision` bits. */
export function phantom(w: number, h: number, precision: number, seed = 7): number[] {
  const max = 2 ** precision - 1;
  let s = seed;
  return Array.from({ length: w * h }, (_, i) => {
    const x = i % w;
    const y = Math.floor(i / w);
    s = (s * 1103515245 + 12345) >>> 0;
    const disc = Math.hypot(x - w / 2, y - h / 2) < Math.min(w, h) / 3;
    const v = max * (disc ? 0.7 : 0.2) + max * 0.1 * Math.sin(x / 5) * Math.cos(y / 7) + (((s >>> 24) - 128) * max) / 4096;
    return Math.max(0, Math.min(max, Math.round(v)));
  });
}

export const JPEG_EXTENDED = '1.2.840.10008.1.2.4.51';
