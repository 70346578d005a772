import { walkJpegSegments, type JpegSegment } from '../inference/jpeg-markers';

/*
 * The marker segments before a scan, as the lossless (jpeg-lossless.ts) and DCT (jpeg-dct.ts)
 * decoders both read them: the walk with its SOI and cut-off checks and DRI, the frame header, the
 * start of a one-component scan and the tables of a DHT segment. Each decoder passes its own `fail`,
 * so that what is refused is refused with that decoder's error and the same words as before.
 */

/** Throws the caller's error with `why`. */
export type Fail = (why: string) => never;

/** What a frame header (SOFn) declares, and the id and quantisation table of its first component. */
export interface FrameFields {
  precision: number;
  height: number;
  width: number;
  components: number;
  id: number;
  tq: number;
}

/**
 * Walks the segments from SOI, refusing a stream without one and a segment cut off by the end of
 * the bytes; DRI segments are read here, every other segment goes to `visit` with the restart
 * interval in effect, until `visit` returns false (at the scan).
 */
export function walkHeaderSegments(bytes: Uint8Array, fail: Fail, visit: (s: JpegSegment, restartInterval: number) => boolean): void {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) fail('it does not start with a JPEG SOI marker');
  let restartInterval = 0;
  walkJpegSegments(bytes, (s) => {
    const { marker, body, end } = s;
    if (end > bytes.length) fail('its markers are cut off');
    if (marker !== 0xdd) return visit(s, restartInterval);
    restartInterval = end - body >= 2 ? (bytes[body] << 8) | bytes[body + 1] : fail('its DRI segment is too short');
    return true;
  });
}

/** SOFn: P, Y, X, Nf and the first component's id and Tq, once the segment is long enough for Nf components. */
export function readFrameHeader(b: Uint8Array, body: number, end: number, fail: Fail): FrameFields {
  if (end - body < 9) fail('its frame header is too short');
  const components = b[body + 5];
  if (components < 1 || end - body < 6 + 3 * components) fail('its frame header is inconsistent');
  return { precision: b[body], height: (b[body + 1] << 8) | b[body + 2], width: (b[body + 3] << 8) | b[body + 4], components, id: b[body + 6], tq: b[body + 8] };
}

/** SOS: the frame it follows, once the scan is known to code one component (the only kind decoded). */
export function scanFrame<F>(b: Uint8Array, body: number, end: number, frame: F | null, fail: Fail): F {
  if (!frame) return fail('its scan comes before any frame header');
  const ns = b[body];
  if (ns !== 1 || end - body < 6) fail(`its scan codes ${ns} components (one is decoded)`);
  return frame;
}

/**
 * DHT: one or more tables (class/id, 16 counts, the values), each handed to `use` (`counts` a view,
 * `values` a copy). `definedOnly`: a class above 1 or an id above 3 is refused before its counts are read.
 */
export function readHuffmanSegment(
  b: Uint8Array,
  at: number,
  end: number,
  fail: Fail,
  definedOnly: boolean,
  use: (tc: number, th: number, counts: Uint8Array, values: Uint8Array) => void,
): void {
  while (at < end) {
    if (at + 17 > end) fail('its Huffman table is cut off');
    const tc = b[at] >> 4;
    const th = b[at] & 0x0f;
    if (definedOnly && (tc > 1 || th > 3)) fail(`its Huffman table of class ${tc}, id ${th} is not one T.81 defines (class 0–1, id 0–3)`);
    const counts = b.subarray(at + 1, at + 17);
    let total = 0;
    for (const c of counts) total += c;
    // at most 256 values, and the values must be inside the segment
    if (total > 256 || at + 17 + total > end) fail('its Huffman table is inconsistent');
    const values = b.slice(at + 17, at + 17 + total);
    at += 17 + total;
    use(tc, th, counts, values);
  }
}
