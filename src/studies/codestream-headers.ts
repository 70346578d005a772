import { walkJpegSegments } from '../inference/jpeg-markers';

/*
 * The frame size, sample precision and components a JPEG-LS, JPEG 2000 or HTJ2K stream declares, read
 * from its markers alone, before the stream goes near a decoder: what the study reader checks
 * against Rows × Columns, Bits Allocated and its pixel limit (a few bytes can declare 60,000²).
 */

export interface CodestreamHeader {
  width: number;
  height: number;
  /** bits per sample */
  precision: number;
  components: number;
  /** JPEG 2000 may code signed samples; JPEG-LS samples are unsigned */
  signed: boolean;
  /**
   * Lossy coding, whose samples may overshoot the range of the data (clipToBitsStored): JPEG-LS with
   * NEAR > 0 in its first scan; JPEG 2000 and HTJ2K whose main-header COD or COC selects the
   * irreversible 9/7 wavelet. (A reversible stream cut to a lower rate is lossy too, which no header says.)
   */
  lossy: boolean;
  /**
   * JPEG-LS with several components coded one scan each (ILV 0, "none"): CharLS then gives the frame
   * back as planes, R then G then B, where every other interleave mode comes back interleaved
   */
  planar?: boolean;
  /**
   * JPEG 2000 / HTJ2K: the distinct tiles its tile-parts hold and the tiles its SIZ segment declares
   * (absent where the tile-parts do not walk: OpenJPEG names that damage). Checked by the caller
   * after the frame size, whose refusal says more.
   */
  tiles?: { held: number; declared: number };
}

/** The stream is not what its transfer syntax says, or its header is damaged; the message says which. */
export class CodestreamError extends Error {}

const fail = (why: string): never => {
  throw new CodestreamError(why);
};

/** JPEG-LS (ITU-T T.87): SOI, then the SOF55 frame header (FF F7: P, Y, X, Nf). */
export function readJpegLsHeader(b: Uint8Array): CodestreamHeader {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) fail('it does not start with a JPEG SOI marker');
  let header: CodestreamHeader | null = null;
  walkJpegSegments(b, ({ marker, body, end }) => {
    if (end > b.length) fail('its markers are cut off');
    if (marker === 0xda) {
      if (!header) fail('its scan comes before any frame header');
      // SOS: Ns, Ns × (Ci, Tmi), NEAR, ILV, Al/Ah (T.87 C.2.3)
      const near = body + 1 + 2 * b[body];
      (header as CodestreamHeader).lossy = near < end && b[near] > 0;
      (header as CodestreamHeader).planar = (header as CodestreamHeader).components > 1 && near + 1 < end && b[near + 1] === 0;
      return false;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) fail(`it is not JPEG-LS (frame type SOF${marker - 0xc0})`);
    if (marker !== 0xf7 || header) return true;
    if (end - body < 6) fail('its frame header is too short');
    header = { precision: b[body], height: (b[body + 1] << 8) | b[body + 2], width: (b[body + 3] << 8) | b[body + 4], components: b[body + 5], signed: false, lossy: false };
    return true;
  });
  const h = (header as CodestreamHeader | null) ?? fail('it has no JPEG-LS frame header (SOF55)');
  // a JPEG-LS stream cut short held the CharLS build for ~16 s before it gave up (a 64 × 48 frame,
  // found by fuzzing); a complete one ends with EOI, perhaps followed by the DICOM pad byte
  if (!endsWithEoi(b)) fail('it does not end with an EOI marker (cut short)');
  // T.87: P 2–16; a height of 0 would be left to a DNL-like marker, which no DICOM frame uses
  if (h.precision < 2 || h.precision > 16) fail(`its sample precision is ${h.precision} bits (2–16 allowed)`);
  if (h.width === 0 || h.height === 0) fail(`its frame header declares ${h.width}×${h.height} px`);
  return h;
}

/** FF D9 at the end, after any 00 bytes (a fragment is padded to an even length). */
function endsWithEoi(b: Uint8Array): boolean {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return end >= 2 && b[end - 2] === 0xff && b[end - 1] === 0xd9;
}

/**
 * JPEG 2000 (ISO/IEC 15444-1): the SIZ segment that must follow SOC (FF 4F FF 51), in a bare
 * codestream — what DICOM stores — or inside a JP2 file's contiguous codestream box ('jp2c'),
 * which some writers leave around it.
 */
export function readJ2kHeader(bytes: Uint8Array): CodestreamHeader {
  const b = codestream(bytes);
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0x4f || b[2] !== 0xff || b[3] !== 0x51) fail('it does not start with a JPEG 2000 codestream (SOC, SIZ)');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 4 + 2 + 36 + 2) fail('its SIZ segment is cut off');
  const length = dv.getUint16(4);
  const csiz = dv.getUint16(4 + 36);
  if (csiz < 1 || length !== 38 + 3 * csiz || 4 + length > b.length) fail('its SIZ segment is inconsistent');
  const [xsiz, ysiz, xo, yo] = [dv.getUint32(8), dv.getUint32(12), dv.getUint32(16), dv.getUint32(20)];
  if (xo >= xsiz || yo >= ysiz) fail('its SIZ segment declares an empty image');
  // every component: one precision and sign, not subsampled (Ssiz: bit 7 sign, bits 0–6 depth − 1)
  const ssiz = b[4 + 38];
  for (let c = 0; c < csiz; c++) {
    const at = 4 + 38 + 3 * c;
    if (b[at] !== ssiz) fail('its components differ in precision or sign');
    if (b[at + 1] !== 1 || b[at + 2] !== 1) fail('its components are subsampled');
  }
  const precision = (ssiz & 0x7f) + 1;
  if (precision > 16) fail(`its sample precision is ${precision} bits (up to 16 read)`);
  const held = tilesHeld(b);
  const tiles = held === null ? undefined : { held: held.size, declared: declaredTiles(dv) };
  return { width: xsiz - xo, height: ysiz - yo, precision, components: csiz, signed: (ssiz & 0x80) !== 0, lossy: irreversible(b, csiz), tiles };
}

/**
 * The tiles of the SIZ segment's grid: ceil((Xsiz − XTOsiz) / XTsiz) × ceil((Ysiz − YTOsiz) / YTsiz).
 * Every one must have a tile-part (ISO/IEC 15444-1 A.4.2); OpenJPEG and OpenJPH fill a missing one
 * with zeros without a word (see everyTileHeld in wasm-frames.ts).
 */
function declaredTiles(dv: DataView): number {
  const [xsiz, ysiz, xt, yt, xto, yto] = [8, 12, 24, 28, 32, 36].map((at) => dv.getUint32(at));
  if (xt === 0 || yt === 0 || xto > xsiz || yto > ysiz) fail('its SIZ segment declares an empty tile grid');
  return Math.ceil((xsiz - xto) / xt) * Math.ceil((ysiz - yto) / yt);
}

/**
 * The tile indices of a codestream's tile-parts, walked from the first SOT along their lengths
 * (Psot; 0: up to the EOC marker at the end); null where the main header or the chain does not
 * walk (JPEG 2000 leaves that damage to OpenJPEG, which names it). At most length / 14 steps.
 */
function tilesHeld(b: Uint8Array): Set<number> | null {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--; // a fragment is padded to an even length
  let at = 4 + dv.getUint16(4);
  while (at + 4 <= end && b[at] === 0xff && b[at + 1] !== 0x90) {
    const length = dv.getUint16(at + 2);
    if (length < 2) return null;
    at += 2 + length;
  }
  const tiles = new Set<number>();
  while (!(at + 2 === end && b[at] === 0xff && b[at + 1] === 0xd9)) {
    if (at + 12 > end || b[at] !== 0xff || b[at + 1] !== 0x90 || dv.getUint16(at + 2) !== 10) return null;
    tiles.add(dv.getUint16(at + 4));
    const psot = dv.getUint32(at + 6);
    if (psot !== 0 && psot < 14) return null;
    at = psot === 0 ? end - 2 : at + psot;
  }
  return tiles;
}

/**
 * Whether a COD or COC segment of the main header (after SIZ, up to the first SOT) selects the
 * irreversible 9/7 wavelet (SPcod/SPcoc transformation 0: ISO/IEC 15444-1 A.6.1). The walk stops at
 * the first segment that does not fit (readHtj2kHeader refuses those; OpenJPEG says what is wrong).
 * COD and COC in tile-part headers are not read.
 */
function irreversible(b: Uint8Array, csiz: number): boolean {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let found = false;
  // COD: FF 52, Lcod, Scod, SGcod (4), then decomposition levels, code-block width, height, style, transformation
  // COC: FF 53, Lcoc, Ccoc (1 byte, 2 beyond 256 components), Scoc, then the same SPcoc fields
  for (let at = 4 + dv.getUint16(4); at + 4 <= b.length && b[at] === 0xff && b[at + 1] !== 0x90; ) {
    const end = at + 2 + dv.getUint16(at + 2);
    if (end <= at + 2 || end > b.length) break;
    const transform = b[at + 1] === 0x52 ? at + 13 : b[at + 1] === 0x53 ? at + (csiz < 257 ? 10 : 11) : -1;
    if (transform > 0 && transform < end && b[transform] === 0) found = true;
    at = end;
  }
  return found;
}

/** The codestream of a JP2 file (its 'jp2c' box), or the bytes themselves when they are not JP2. */
function codestream(b: Uint8Array): Uint8Array {
  const box = (at: number) => String.fromCharCode(b[at + 4], b[at + 5], b[at + 6], b[at + 7]);
  if (b.length < 12 || box(0) !== 'jP  ') return b;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  // boxes: length (4; 1: an 8-byte length follows; 0: to the end), type (4), content
  for (let at = 0, boxes = 0; at + 8 <= b.length && boxes < 64; boxes++) {
    let size = dv.getUint32(at);
    let head = 8;
    if (size === 1) {
      if (at + 16 > b.length) break;
      size = Number(dv.getBigUint64(at + 8));
      head = 16;
    } else if (size === 0) size = b.length - at;
    if (size < head) break;
    if (box(at) === 'jp2c') return b.subarray(at + head, Math.min(b.length, at + size));
    at += size;
  }
  return fail('it is a JP2 file without a codestream box');
}

/** Pcap bit 15 of the CAP segment (MSB first: bit 1 is 2^31): the codestream uses HT code-blocks (ISO/IEC 15444-15). */
const PCAP_PART15 = 1 << (32 - 15);

/**
 * HTJ2K (ISO/IEC 15444-15): JPEG 2000's SOC and SIZ (readJ2kHeader), a CAP segment that declares
 * Part 15 coding, and tile-parts whose lengths (Psot) chain from the first SOT to the EOC marker at
 * the end. The OpenJPH build decodes a cut or partly overwritten stream without complaint — the
 * missing code-blocks become zeros, at the declared size (a 48 × 40 frame cut in half "decoded") —
 * so a stream whose tile-parts do not reach its end exactly is refused here instead.
 */
export function readHtj2kHeader(bytes: Uint8Array): CodestreamHeader {
  const h = readJ2kHeader(bytes);
  const b = codestream(bytes);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--; // a fragment is padded to an even length
  // main header: marker segments (FF xx, a 2-byte length that counts itself) until the first SOT
  let at = 4 + dv.getUint16(4);
  let part15 = false;
  for (;;) {
    if (at + 4 > end || b[at] !== 0xff) fail('its main header is cut off or damaged');
    const marker = b[at + 1];
    if (marker === 0x90) break;
    const length = dv.getUint16(at + 2);
    if (length < 2 || at + 2 + length > end) fail('its main header is cut off or damaged');
    if (marker === 0x50 && length >= 6 && (dv.getUint32(at + 4) & PCAP_PART15) !== 0) part15 = true;
    at += 2 + length;
  }
  if (!part15) fail('it declares no HTJ2K (Part 15) coding in a CAP segment');
  // tile-parts: SOT (FF 90, Lsot 10, Isot, Psot from the SOT to the tile-part's end; 0: up to EOC)
  // each tile-part is at least 14 bytes (SOT, SOD): the walk ends within length / 14 steps
  const cut = 'its tile-parts do not run to an EOC marker at its end (cut short or damaged)';
  while (!(at + 2 === end && b[at] === 0xff && b[at + 1] === 0xd9)) {
    if (at + 12 > end || b[at] !== 0xff || b[at + 1] !== 0x90 || dv.getUint16(at + 2) !== 10) fail(cut);
    const psot = dv.getUint32(at + 6);
    if (psot !== 0 && psot < 14) fail(cut);
    at = psot === 0 ? end - 2 : at + psot;
  }
  return h;
}
