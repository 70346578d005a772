import { EntropyReader, huffmanTable, type HuffmanTable } from './jpeg-huffman';
import { readFrameHeader, readHuffmanSegment, scanFrame, walkHeaderSegments } from './jpeg-segments';

/*
 * Sequential DCT JPEG with Huffman coding (ITU-T T.81 Annex F: SOF0 baseline, SOF1 extended), 8- or
 * 12-bit samples, one component — DICOM JPEG Extended (1.2.840.10008.1.2.4.51, processes 2 and 4:
 * what older MR archives export their 12-bit series as). libvips (src/inference) decodes 8-bit JPEG
 * only, and no npm package decodes 12-bit DCT offline without a browser or a network fetch, so this
 * is written here, as jpeg-lossless.ts is: a frame is decoded a band of block rows at a time, so that
 * the caller yields to the event loop and checks its request's signal between bands. Progressive and
 * arithmetic-coded frames are not part of .51 and are refused by name. Nothing is allocated for the
 * image before the header has been checked.
 */

/** The stream is not a sequential Huffman DCT JPEG this decoder reads, or is damaged; the message says which. */
export class JpegDctError extends Error {}

/** What the markers before the scan declare. */
export interface DctHeader {
  /** sample precision P: 8 or 12 bits */
  precision: number;
  width: number;
  height: number;
  /** Nf of the frame header (only 1 is decoded) */
  components: number;
  /** 0: baseline (SOF0), 1: extended sequential (SOF1) */
  frameType: number;
  /** blocks per restart interval; 0 when none */
  restartInterval: number;
}

interface Parsed {
  header: DctHeader;
  dc: HuffmanTable;
  ac: HuffmanTable;
  /** the component's quantisation table, in natural (row-major) order */
  quant: Int32Array;
  /** where the entropy-coded data of the scan start */
  scan: number;
}

/** Zig-zag index → natural (row-major) index of the 8 × 8 block (T.81 Figure A.6). */
const ZIGZAG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
  52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

/** cos((2x + 1)uπ/16) × C(u)/2 at [u × 8 + x]: the 1-D inverse DCT of A.3.3, applied to rows then columns. */
const IDCT = Float64Array.from({ length: 64 }, (_, i) => {
  const u = i >> 3;
  const x = i & 7;
  return (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
});

const FRAME_NAMES: Record<number, string> = { 0xc2: 'progressive (SOF2)', 0xc3: 'lossless (SOF3)', 0xc5: 'hierarchical', 0xc6: 'hierarchical', 0xc7: 'hierarchical' };
const fail = (why: string): never => {
  throw new JpegDctError(why);
};

/**
 * The frame header and scan parameters, from the markers alone (no block is decoded, nothing is
 * allocated for the image): what the caller checks against Rows × Columns, Bits Allocated and its
 * pixel limit before decoding. Throws JpegDctError for anything but a one-scan SOF0/SOF1 stream whose
 * scan's tables are all defined.
 */
export function readDctHeader(bytes: Uint8Array): DctHeader {
  return parse(bytes).header;
}

function parse(bytes: Uint8Array): Parsed {
  const dcTables = new Map<number, HuffmanTable>();
  const acTables = new Map<number, HuffmanTable>();
  const quant = new Map<number, Int32Array>();
  let frame: (Omit<DctHeader, 'restartInterval'> & { id: number; tq: number }) | null = null;
  let found: Parsed | null = null;
  walkHeaderSegments(bytes, fail, ({ marker, body, end }, restartInterval) => {
    if (marker === 0xc4) readHuffmanSegment(bytes, body, end, fail, true, (tc, th, counts, values) => (tc ? acTables : dcTables).set(th, huffmanTable(counts, values, fail)));
    else if (marker === 0xdb) readQuantTables(bytes, body, end, quant);
    else if (marker >= 0xc9 && marker <= 0xcf) fail(`it is arithmetic-coded (${marker === 0xcc ? 'DAC' : `SOF${marker - 0xc0}`}), which DICOM JPEG Extended does not use`);
    else if (marker === 0xc0 || marker === 0xc1) {
      if (frame) fail('it has two frame headers');
      const { precision, height, width, components, id, tq } = readFrameHeader(bytes, body, end, fail);
      frame = { precision, height, width, components, frameType: marker - 0xc0, id, tq };
    } else if (marker >= 0xc2 && marker <= 0xc7) {
      fail(`it is a ${FRAME_NAMES[marker] ?? `SOF${marker - 0xc0}`} JPEG, not the sequential DCT of JPEG Extended`);
    } else if (marker === 0xda) {
      const f = scanFrame(bytes, body, end, frame, fail);
      if (bytes[body + 1] !== f.id) fail('its scan names a component its frame header does not declare');
      const td = bytes[body + 2] >> 4;
      const ta = bytes[body + 2] & 0x0f;
      const dc = dcTables.get(td) ?? fail(`its scan uses DC Huffman table ${td}, which it does not define`);
      const ac = acTables.get(ta) ?? fail(`its scan uses AC Huffman table ${ta}, which it does not define`);
      const q = quant.get(f.tq) ?? fail(`its component uses quantisation table ${f.tq}, which it does not define`);
      // a sequential scan codes all 64 coefficients at full precision (Ss 0, Se 63, Ah = Al = 0: B.2.3)
      if (bytes[body + 3] !== 0 || bytes[body + 4] !== 63 || bytes[body + 5] !== 0) fail('its scan is not a sequential one (spectral selection or successive approximation)');
      const header = { precision: f.precision, width: f.width, height: f.height, components: f.components, frameType: f.frameType, restartInterval };
      found = { header, dc, ac, quant: q, scan: end };
      return false;
    }
    return true;
  });
  const p = found as Parsed | null;
  if (!p) return fail(frame ? 'it has no scan (truncated?)' : 'it has no sequential DCT frame header (SOF0 or SOF1)');
  const h = p.header;
  if (h.precision !== 8 && h.precision !== 12) fail(`its sample precision is ${h.precision} bits (8 or 12 allowed)`);
  if (h.frameType === 0 && h.precision !== 8) fail(`it is a baseline (SOF0) frame of ${h.precision}-bit samples (baseline is 8-bit only)`);
  // a height of 0 is left to a DNL marker after the scan, which no DICOM frame uses
  if (h.width === 0 || h.height === 0) fail(`its frame header declares ${h.width}×${h.height} px`);
  return p;
}

/** DQT: one or more tables (precision/id, then 64 values of 8 or 16 bits in zig-zag order). */
function readQuantTables(b: Uint8Array, at: number, end: number, tables: Map<number, Int32Array>): void {
  while (at < end) {
    const pq = b[at] >> 4;
    const tq = b[at] & 0x0f;
    if (pq > 1 || tq > 3) fail(`its quantisation table ${tq} (precision ${pq}) is not one T.81 defines`);
    const size = pq ? 128 : 64;
    if (at + 1 + size > end) fail('its quantisation table is cut off');
    const q = new Int32Array(64);
    for (let k = 0; k < 64; k++) q[ZIGZAG[k]] = pq ? (b[at + 1 + 2 * k] << 8) | b[at + 2 + 2 * k] : b[at + 1 + k];
    tables.set(tq, q);
    at += 1 + size;
  }
}

/**
 * Decodes a band of block rows at a time into `out` (one sample per pixel, row after row, in
 * 0 … 2^P − 1). `next(blockRows)` decodes up to that many more rows of 8 × 8 blocks; the caller
 * yields between calls. One component is one non-interleaved scan: one block per MCU, whatever its
 * sampling factors (A.2.2).
 */
export class DctDecoder {
  readonly header: DctHeader;
  readonly out: Uint16Array;
  private readonly p: Parsed;
  private readonly data: EntropyReader;
  private readonly blocksPerLine: number;
  private readonly blockRows: number;
  private row = 0;
  private blocks = 0;
  private pred = 0;
  private readonly coef = new Float64Array(64);
  private readonly tmp = new Float64Array(64);

  /** `maxPixels`: the caller's limit, checked against the header before the output is allocated. */
  constructor(bytes: Uint8Array, maxPixels: number) {
    const p = parse(bytes);
    const h = p.header;
    if (h.components !== 1) fail(`it has ${h.components} components (grey, 1, is decoded)`);
    if (h.width * h.height > maxPixels) fail(`its ${h.width}×${h.height} px exceed the ${maxPixels} allowed`);
    this.header = h;
    this.p = p;
    this.blocksPerLine = Math.ceil(h.width / 8);
    this.blockRows = Math.ceil(h.height / 8);
    this.data = new EntropyReader(bytes, p.scan, fail, { last: 'block', unit: 'block row', at: () => this.row, of: this.blockRows });
    this.out = new Uint16Array(h.width * h.height);
  }

  get done(): boolean {
    return this.row >= this.blockRows;
  }

  next(rows: number): number {
    const stop = Math.min(this.blockRows, this.row + rows);
    const { restartInterval } = this.header;
    for (; this.row < stop; this.row++) {
      for (let bx = 0; bx < this.blocksPerLine; bx++) {
        if (restartInterval && this.blocks > 0 && this.blocks % restartInterval === 0) {
          // at a restart interval's end the DC prediction starts again from 0
          this.data.restart();
          this.pred = 0;
        }
        this.decodeBlock();
        this.inverse(bx * 8, this.row * 8);
        this.blocks++;
      }
    }
    return this.row;
  }

  /** One block's coefficients, dequantised, in natural order (F.2.2.1 DC difference, F.2.2.2 AC run/size codes). */
  private decodeBlock(): void {
    const { dc, ac, quant } = this.p;
    const coef = this.coef;
    coef.fill(0);
    // DC differences have up to P + 3 bits, AC coefficients up to P + 2 (F.1.2.1.1, F.1.2.2.1)
    const P = this.header.precision;
    const data = this.data;
    const t = data.symbol(dc);
    if (t > P + 3) fail(`its entropy-coded data hold a DC difference of ${t} bits (at most ${P + 3} for ${P}-bit samples)`);
    this.pred += t ? this.extend(data.bitsOf(t), t) : 0;
    coef[0] = this.pred * quant[0];
    for (let k = 1; k < 64; ) {
      const rs = data.symbol(ac);
      const r = rs >> 4;
      const s = rs & 15;
      if (s === 0) {
        if (r !== 15) break; // EOB: the rest are zero
        k += 16; // ZRL: sixteen zeros
        continue;
      }
      if (s > P + 2) fail(`its entropy-coded data hold an AC coefficient of ${s} bits (at most ${P + 2} for ${P}-bit samples)`);
      k += r;
      if (k > 63) fail('its entropy-coded data run past the 64 coefficients of a block');
      const z = ZIGZAG[k++];
      coef[z] = this.extend(data.bitsOf(s), s) * quant[z];
    }
  }

  /** The inverse DCT of `coef`, level-shifted by 2^(P−1), rounded and clamped to 0 … 2^P − 1, into the block at (x0, y0). */
  private inverse(x0: number, y0: number): void {
    const { coef, tmp } = this;
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        let s = 0;
        for (let u = 0; u < 8; u++) s += IDCT[u * 8 + x] * coef[y * 8 + u];
        tmp[y * 8 + x] = s;
      }
    }
    const { width: w, height: h, precision: P } = this.header;
    const shift = 1 << (P - 1);
    const max = (1 << P) - 1;
    const xs = Math.min(8, w - x0);
    const ys = Math.min(8, h - y0);
    for (let x = 0; x < xs; x++) {
      for (let y = 0; y < ys; y++) {
        let s = 0;
        for (let v = 0; v < 8; v++) s += IDCT[v * 8 + y] * tmp[v * 8 + x];
        const px = Math.round(s) + shift;
        this.out[(y0 + y) * w + x0 + x] = px < 0 ? 0 : px > max ? max : px;
      }
    }
  }

  /** F.12 EXTEND: `v`, `s` bits received, as a signed value. */
  private extend(v: number, s: number): number {
    return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
  }
}
