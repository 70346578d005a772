import { walkJpegSegments } from '../inference/jpeg-markers';
import { huffmanTable, type HuffmanTable } from './jpeg-huffman';

/*
 * Lossless JPEG (ITU-T T.81 Annex H: SOF3, Huffman coded, predictors 1–7, point transform) — DICOM
 * transfer syntaxes 1.2.840.10008.1.2.4.57 and .70 (SV1: predictor 1). Written here rather than taken
 * from a package so that a frame is decoded a band of rows at a time: the caller yields to the event
 * loop and checks its request's signal between bands (a 4 MP frame is ~100 ms of this loop). Grey
 * (one component) only: what MR exports are. Nothing is allocated before the header has been checked.
 */

/** The stream is not a lossless JPEG this decoder reads, or is damaged; the message says which. */
export class JpegLosslessError extends Error {}

/** What the markers before the scan declare. */
export interface LosslessHeader {
  /** sample precision P, 2–16 bits */
  precision: number;
  width: number;
  height: number;
  /** Nf of the frame header (only 1 is decoded) */
  components: number;
  /** Ss of the scan: predictor 1–7 */
  predictor: number;
  /** Al of the scan: point transform (samples were shifted right by it before coding) */
  pointTransform: number;
  /** samples per restart interval; 0 when none */
  restartInterval: number;
}

interface Parsed {
  header: LosslessHeader;
  table: HuffmanTable;
  /** where the entropy-coded data of the scan start */
  scan: number;
}

const SOF3 = 0xc3;
const fail = (why: string): never => {
  throw new JpegLosslessError(why);
};

/**
 * The frame header and scan parameters, from the markers alone (no sample is decoded, nothing is
 * allocated for the image): what the caller checks against Rows × Columns, Bits Allocated and its
 * pixel limit before decoding. Throws JpegLosslessError for anything but a one-component SOF3 stream
 * with one scan and its Huffman table.
 */
export function readLosslessHeader(bytes: Uint8Array): LosslessHeader {
  return parse(bytes).header;
}

function parse(bytes: Uint8Array): Parsed {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) fail('it does not start with a JPEG SOI marker');
  const tables = new Map<number, HuffmanTable>();
  let frame: Omit<LosslessHeader, 'predictor' | 'pointTransform' | 'restartInterval'> | null = null;
  let restartInterval = 0;
  let found: Parsed | null = null;
  walkJpegSegments(bytes, ({ marker, body, end }) => {
    if (end > bytes.length) fail('its markers are cut off');
    if (marker === 0xc4) readHuffmanTables(bytes, body, end, tables);
    else if (marker === 0xdd) restartInterval = end - body >= 2 ? (bytes[body] << 8) | bytes[body + 1] : fail('its DRI segment is too short');
    else if (marker === SOF3) {
      if (frame) fail('it has two frame headers');
      if (end - body < 9) fail('its frame header is too short');
      const components = bytes[body + 5];
      if (components < 1 || end - body < 6 + 3 * components) fail('its frame header is inconsistent');
      frame = { precision: bytes[body], height: (bytes[body + 1] << 8) | bytes[body + 2], width: (bytes[body + 3] << 8) | bytes[body + 4], components };
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      fail(`it is not Huffman-coded lossless JPEG (frame type SOF${marker - 0xc0}; lossless is SOF3)`);
    } else if (marker === 0xda) {
      if (!frame) fail('its scan comes before any frame header');
      const f = frame!;
      const ns = bytes[body];
      if (ns !== 1 || end - body < 6) fail(`its scan codes ${ns} components (one is decoded)`);
      const table = tables.get(bytes[body + 2] >> 4) ?? fail('its scan uses a Huffman table it does not define');
      const predictor = bytes[body + 3];
      const pointTransform = bytes[body + 5] & 0x0f;
      found = { header: { ...f, predictor, pointTransform, restartInterval }, table, scan: end };
      return false;
    }
    return true;
  });
  const p = found as Parsed | null;
  if (!p) return fail(frame ? 'it has no scan (truncated?)' : 'it has no lossless frame header (SOF3)');
  const h = p.header;
  if (h.precision < 2 || h.precision > 16) fail(`its sample precision is ${h.precision} bits (2–16 allowed)`);
  if (h.width === 0 || h.height === 0) fail(`its frame header declares ${h.width}×${h.height} px`);
  if (h.predictor < 1 || h.predictor > 7) fail(`its predictor is ${h.predictor} (1–7 allowed)`);
  if (h.pointTransform >= h.precision) fail(`its point transform (${h.pointTransform}) is not below its precision (${h.precision})`);
  // a restart resets prediction to that of a first line: only whole lines are supported
  if (h.restartInterval % h.width !== 0) fail(`its restart interval (${h.restartInterval}) is not a whole number of lines (${h.width})`);
  return p;
}

/** DHT: one or more tables (class/id, 16 counts, the values); only DC tables (class 0) are used by lossless. */
function readHuffmanTables(b: Uint8Array, at: number, end: number, tables: Map<number, HuffmanTable>): void {
  while (at < end) {
    if (at + 17 > end) fail('its Huffman table is cut off');
    const tc = b[at] >> 4;
    const th = b[at] & 0x0f;
    const counts = b.subarray(at + 1, at + 17);
    let total = 0;
    for (const c of counts) total += c;
    // at most 256 values, and the codes of each length must fit in that length
    if (total > 256 || at + 17 + total > end) fail('its Huffman table is inconsistent');
    const values = b.slice(at + 17, at + 17 + total);
    at += 17 + total;
    if (tc !== 0) continue;
    for (const v of values) if (v > 16) fail(`its Huffman table holds a difference category of ${v} (0–16 allowed)`);
    tables.set(th, huffmanTable(counts, values, fail));
  }
}

/**
 * Decodes a band of rows at a time into `out` (one sample per pixel, row after row, already shifted
 * back by the point transform and within P bits). `next(rows)` decodes up to `rows` more rows and
 * returns how many are done in total; the caller yields between calls.
 */
export class LosslessDecoder {
  readonly header: LosslessHeader;
  readonly out: Uint16Array;
  private readonly table: HuffmanTable;
  private readonly bytes: Uint8Array;
  private pos: number;
  private acc = 0;
  private bits = 0;
  private row = 0;
  private restarts = 0;

  /** `maxPixels`: the caller's limit, checked against the header before the output is allocated. */
  constructor(bytes: Uint8Array, maxPixels: number) {
    const p = parse(bytes);
    if (p.header.components !== 1) fail(`it has ${p.header.components} components (grey, 1, is decoded)`);
    if (p.header.width * p.header.height > maxPixels) fail(`its ${p.header.width}×${p.header.height} px exceed the ${maxPixels} allowed`);
    this.header = p.header;
    this.table = p.table;
    this.bytes = bytes;
    this.pos = p.scan;
    this.out = new Uint16Array(p.header.width * p.header.height);
  }

  get done(): boolean {
    return this.row >= this.header.height;
  }

  next(rows: number): number {
    const { width: w, height, precision: P, pointTransform: pt, predictor, restartInterval } = this.header;
    const out = this.out;
    const mask = (1 << (P - pt)) - 1; // reconstructed values are modulo 2^16 (H.2.1), and P − Pt bits wide
    const linesPerRestart = restartInterval / w;
    const stop = Math.min(height, this.row + rows);
    for (; this.row < stop; this.row++) {
      let first = this.row === 0;
      if (linesPerRestart && this.row > 0 && this.row % linesPerRestart === 0) {
        this.restart();
        first = true;
      }
      const o = this.row * w;
      // the first line of the scan and of each restart interval: the first sample is predicted by
      // 2^(P−Pt−1), the others by their left neighbour (H.1.2.1); later lines start from the one above
      for (let x = 0; x < w; x++) {
        let px: number;
        if (first) px = x === 0 ? 1 << (P - pt - 1) : out[o + x - 1];
        else if (x === 0) px = out[o - w];
        else {
          const ra = out[o + x - 1];
          const rb = out[o - w + x];
          const rc = out[o - w + x - 1];
          px = predictor === 1 ? ra : predictor === 2 ? rb : predictor === 3 ? rc : predictor === 4 ? ra + rb - rc : predictor === 5 ? ra + ((rb - rc) >> 1) : predictor === 6 ? rb + ((ra - rc) >> 1) : (ra + rb) >> 1;
        }
        out[o + x] = (px + this.difference()) & 0xffff & mask;
      }
    }
    // the values were predicted from one another unshifted; the point transform is undone at the end
    if (this.done && pt) for (let i = 0; i < out.length; i++) out[i] <<= pt;
    return this.row;
  }

  /** One coded difference: a Huffman-coded category t, then t extra bits (F.2.2.1; t = 16 is 32768 with none). */
  private difference(): number {
    const { maxCode, offset, values } = this.table;
    let code = 0;
    let len = 1;
    for (; len <= 16; len++) {
      code = (code << 1) | this.bitsOf(1);
      if (code <= maxCode[len]) break;
    }
    if (len > 16) fail('its entropy-coded data hold a code its Huffman table does not define');
    const t = values[offset[len] + code];
    if (t === 0) return 0;
    if (t === 16) return 32768;
    const v = this.bitsOf(t);
    return v < 1 << (t - 1) ? v - (1 << t) + 1 : v;
  }

  private bitsOf(n: number): number {
    while (this.bits < n) this.fill();
    this.bits -= n;
    return (this.acc >>> this.bits) & ((1 << n) - 1);
  }

  /** One more byte of entropy-coded data (an FF is followed by a stuffed 00); a marker or the end means the data ran out. */
  private fill(): void {
    const b = this.bytes;
    if (this.pos >= b.length) fail('its entropy-coded data end before the last row (truncated)');
    const v = b[this.pos];
    if (v === 0xff) {
      if (b[this.pos + 1] !== 0x00) fail(`its entropy-coded data end before row ${this.row + 1} of ${this.header.height} (truncated, or a marker where data should be)`);
      this.pos++;
    }
    this.pos++;
    this.acc = ((this.acc << 8) | v) >>> 0;
    this.bits += 8;
  }

  /** At a restart interval's end: the rest of the byte is padding, then RSTm (m counting 0–7), then fresh prediction. */
  private restart(): void {
    this.bits = 0;
    const b = this.bytes;
    while (b[this.pos] === 0xff && b[this.pos + 1] === 0xff) this.pos++; // fill bytes
    const m = 0xd0 + (this.restarts++ % 8);
    if (b[this.pos] !== 0xff || b[this.pos + 1] !== m) fail(`restart marker ${this.restarts} is missing (row ${this.row + 1})`);
    this.pos += 2;
  }
}
