import { EntropyReader, huffmanTable, type HuffmanTable } from './jpeg-huffman';
import { readFrameHeader, readHuffmanSegment, walkHeaderSegments } from './jpeg-segments';

/*
 * Lossless JPEG (ITU-T T.81 Annex H: SOF3, Huffman coded, predictors 1–7, point transform) — DICOM
 * transfer syntaxes 1.2.840.10008.1.2.4.57 and .70 (SV1: predictor 1). Written here rather than taken
 * from a package so that a frame is decoded a band of rows at a time: the caller yields to the event
 * loop and checks its request's signal between bands (a 4 MP frame is ~100 ms of this loop). Grey
 * (one component), what MR exports are, and colour (three, in one interleaved scan), what a secondary
 * capture archived losslessly is. Nothing is allocated before the header has been checked.
 */

/** The stream is not a lossless JPEG this decoder reads, or is damaged; the message says which. */
export class JpegLosslessError extends Error {}

/** What the markers before the scan declare. */
export interface LosslessHeader {
  /** sample precision P, 2–16 bits */
  precision: number;
  width: number;
  height: number;
  /** Nf of the frame header: 1 (grey) or 3 (colour, coded in one interleaved scan) */
  components: number;
  /** Ss of the scan: predictor 1–7 */
  predictor: number;
  /** Al of the scan: point transform (samples were shifted right by it before coding) */
  pointTransform: number;
  /** samples per restart interval; 0 when none */
  restartInterval: number;
  /** colour coded a scan per component (valid JPEG, not decoded here: the caller refuses it, 415) */
  separateScans?: boolean;
}

interface Parsed {
  header: LosslessHeader;
  /** each component's Huffman table, in the scan's (the frame's) order */
  tables: HuffmanTable[];
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
 * pixel limit before decoding. Throws JpegLosslessError for anything but a one- or three-component SOF3
 * stream with one scan (colour interleaved, unsubsampled) and its Huffman tables.
 */
export function readLosslessHeader(bytes: Uint8Array): LosslessHeader {
  return parse(bytes).header;
}

function parse(bytes: Uint8Array): Parsed {
  const tables = new Map<number, HuffmanTable>();
  let frame: (Omit<LosslessHeader, 'predictor' | 'pointTransform' | 'restartInterval'> & { ids: number[] }) | null = null;
  let found: Parsed | null = null;
  walkHeaderSegments(bytes, fail, ({ marker, body, end }, restartInterval) => {
    if (marker === 0xc4) readHuffmanSegment(bytes, body, end, fail, false, useHuffmanTable(tables));
    else if (marker === SOF3) {
      if (frame) fail('it has two frame headers');
      const { precision, height, width, components } = readFrameHeader(bytes, body, end, fail);
      if (components !== 1 && components !== 3) fail(`it has ${components} components (grey, 1, or colour, 3, are decoded)`);
      const ids: number[] = [];
      for (let k = 0; k < components; k++) {
        ids.push(bytes[body + 6 + 3 * k]);
        // a colour component sampled less often than the others: not what a DICOM colour frame holds
        if (components > 1 && bytes[body + 7 + 3 * k] !== 0x11) fail('its colour components are subsampled');
      }
      frame = { precision, height, width, components, ids };
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      fail(`it is not Huffman-coded lossless JPEG (frame type SOF${marker - 0xc0}; lossless is SOF3)`);
    } else if (marker === 0xda) {
      const f = frame ?? fail('its scan comes before any frame header');
      // SOS: Ns, Ns × (Cs, Td/Ta), Ss (the predictor), Se, Ah/Al (the point transform); colour in one interleaved scan
      const ns = bytes[body];
      // colour in a scan per component (ns 1 of 3) reads as a header, and is refused by the decoder: the frame's components are what the caller checks first
      if (ns !== 1 && ns !== f.components) fail(f.components === 1 ? `its scan codes ${ns} components (one is decoded)` : `its scan codes ${ns} of its ${f.components} components (all, interleaved, are decoded)`);
      if (end - body < 4 + 2 * ns) fail('its scan header is too short');
      const scanTables: HuffmanTable[] = [];
      for (let k = 0; k < ns; k++) {
        if (ns > 1 && bytes[body + 1 + 2 * k] !== f.ids[k]) fail('its scan codes its components in another order than its frame declares');
        scanTables.push(tables.get(bytes[body + 2 + 2 * k] >> 4) ?? fail('its scan uses a Huffman table it does not define'));
      }
      const predictor = bytes[body + 1 + 2 * ns];
      const pointTransform = bytes[body + 3 + 2 * ns] & 0x0f;
      const { precision, height, width, components } = f;
      found = { header: { precision, height, width, components, predictor, pointTransform, restartInterval }, tables: scanTables, scan: end };
      if (components > 1 && ns === 1) found.header.separateScans = true;
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

/** A DHT segment's tables: only DC tables (class 0) are used by lossless, their values difference categories 0–16. */
function useHuffmanTable(tables: Map<number, HuffmanTable>): (tc: number, th: number, counts: Uint8Array, values: Uint8Array) => void {
  return (tc, th, counts, values) => {
    if (tc !== 0) return;
    for (const v of values) if (v > 16) fail(`its Huffman table holds a difference category of ${v} (0–16 allowed)`);
    tables.set(th, huffmanTable(counts, values, fail));
  };
}

/**
 * Decodes a band of rows at a time into `out` (one sample per pixel — or, for colour, the pixel's
 * components interleaved — row after row, already shifted back by the point transform and within P
 * bits). Each component is predicted from its own neighbours with its own table (H.1.2). `next(rows)`
 * decodes up to `rows` more rows and returns how many are done in total; the caller yields between calls.
 */
export class LosslessDecoder {
  readonly header: LosslessHeader;
  readonly out: Uint16Array;
  private readonly tables: HuffmanTable[];
  private readonly data: EntropyReader;
  private row = 0;

  /** `maxPixels`: the caller's limit, checked against the header before the output is allocated. */
  constructor(bytes: Uint8Array, maxPixels: number) {
    const p = parse(bytes);
    if (p.tables.length !== p.header.components) fail('its colour components are coded in separate scans (one interleaved scan is decoded)');
    if (p.header.width * p.header.height > maxPixels) fail(`its ${p.header.width}×${p.header.height} px exceed the ${maxPixels} allowed`);
    this.header = p.header;
    this.tables = p.tables;
    this.data = new EntropyReader(bytes, p.scan, fail, { last: 'row', unit: 'row', at: () => this.row, of: p.header.height });
    this.out = new Uint16Array(p.header.width * p.header.height * p.header.components);
  }

  get done(): boolean {
    return this.row >= this.header.height;
  }

  next(rows: number): number {
    const { width: w, height, precision: P, pointTransform: pt, predictor, restartInterval, components: nc } = this.header;
    const out = this.out;
    const stride = w * nc;
    const mask = (1 << (P - pt)) - 1; // reconstructed values are modulo 2^16 (H.2.1), and P − Pt bits wide
    const linesPerRestart = restartInterval / w; // an MCU is one pixel, all its components
    const stop = Math.min(height, this.row + rows);
    for (; this.row < stop; this.row++) {
      let first = this.row === 0;
      if (linesPerRestart && this.row > 0 && this.row % linesPerRestart === 0) {
        this.data.restart();
        first = true;
      }
      const o = this.row * stride;
      // the first line of the scan and of each restart interval: the first sample is predicted by
      // 2^(P−Pt−1), the others by their left neighbour (H.1.2.1); later lines start from the one above
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < nc; c++) {
          const i = o + x * nc + c;
          let px: number;
          if (first) px = x === 0 ? 1 << (P - pt - 1) : out[i - nc];
          else if (x === 0) px = out[i - stride];
          else {
            const ra = out[i - nc];
            const rb = out[i - stride];
            const rc = out[i - stride - nc];
            px = predictor === 1 ? ra : predictor === 2 ? rb : predictor === 3 ? rc : predictor === 4 ? ra + rb - rc : predictor === 5 ? ra + ((rb - rc) >> 1) : predictor === 6 ? rb + ((ra - rc) >> 1) : (ra + rb) >> 1;
          }
          out[i] = (px + this.difference(this.tables[c])) & 0xffff & mask;
        }
      }
    }
    // the values were predicted from one another unshifted; the point transform is undone at the end
    if (this.done && pt) for (let i = 0; i < out.length; i++) out[i] <<= pt;
    return this.row;
  }

  /** One coded difference: a Huffman-coded category t, then t extra bits (F.2.2.1; t = 16 is 32768 with none). */
  private difference(table: HuffmanTable): number {
    const t = this.data.symbol(table);
    if (t === 0) return 0;
    if (t === 16) return 32768;
    const v = this.data.bitsOf(t);
    return v < 1 << (t - 1) ? v - (1 << t) + 1 : v;
  }
}
