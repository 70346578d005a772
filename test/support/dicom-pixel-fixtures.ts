/**
 * Byte-exact DICOM fixtures for the pixel path (bit layout, VOI LUT, padding, fragments), built
 * in memory by a small explicit-VR-little-endian writer of our own: the edge cases here (High
 * Bit ≠ Bits Stored − 1, garbage high bits in 32-bit words, several fragments per frame with a
 * Basic Offset Table) are exactly what general writers normalise away. Synthetic values only.
 */

export interface El {
  tag: number; // (group << 16) | element
  vr: string;
  value: Buffer;
  /** Pixel Data written with undefined length as items (encapsulated) */
  undefinedLength?: boolean;
}

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'SQ', 'UT', 'UN', 'UC', 'UR']);

function pad(b: Buffer, padByte: number): Buffer {
  return b.length % 2 ? Buffer.concat([b, Buffer.from([padByte])]) : b;
}

export const el = {
  str: (tag: number, vr: string, s: string): El => ({ tag, vr, value: pad(Buffer.from(s, 'latin1'), vr === 'UI' ? 0 : 0x20) }),
  ds: (tag: number, ...v: number[]): El => el.str(tag, 'DS', v.map(String).join('\\')),
  is: (tag: number, v: number): El => el.str(tag, 'IS', String(v)),
  us: (tag: number, ...v: number[]): El => {
    const b = Buffer.alloc(2 * v.length);
    v.forEach((x, i) => b.writeUInt16LE(x & 0xffff, 2 * i));
    return { tag, vr: 'US', value: b };
  },
  ss: (tag: number, ...v: number[]): El => {
    const b = Buffer.alloc(2 * v.length);
    v.forEach((x, i) => b.writeInt16LE(x, 2 * i));
    return { tag, vr: 'SS', value: b };
  },
  bytes: (tag: number, vr: string, b: Uint8Array): El => ({ tag, vr, value: pad(Buffer.from(b), 0) }),
  sq: (tag: number, items: El[][]): El => ({
    tag,
    vr: 'SQ',
    value: Buffer.concat(items.map((it) => {
      const body = writeElements(it);
      const head = Buffer.alloc(8);
      head.writeUInt16LE(0xfffe, 0);
      head.writeUInt16LE(0xe000, 2);
      head.writeUInt32LE(body.length, 4);
      return Buffer.concat([head, body]);
    })),
  }),
  /** Encapsulated Pixel Data: Basic Offset Table item (offsets, may be empty), fragments, delimiter. */
  encapsulated: (fragments: Uint8Array[], bot: number[] = []): El => {
    const item = (b: Uint8Array) => {
      const h = Buffer.alloc(8);
      h.writeUInt16LE(0xfffe, 0);
      h.writeUInt16LE(0xe000, 2);
      h.writeUInt32LE(b.length, 4);
      return Buffer.concat([h, Buffer.from(b)]);
    };
    const botBytes = Buffer.alloc(4 * bot.length);
    bot.forEach((o, i) => botBytes.writeUInt32LE(o, 4 * i));
    const end = Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
    return { tag: 0x7fe00010, vr: 'OB', value: Buffer.concat([item(botBytes), ...fragments.map((f) => item(pad(Buffer.from(f), 0))), end]), undefinedLength: true };
  },
};

/** Bytes per swapped unit of a binary VR in Explicit VR Big Endian (strings and OB/UN are byte streams). */
const WORD_BYTES: Record<string, number> = { US: 2, SS: 2, OW: 2, UL: 4, SL: 4, FL: 4, OL: 4, OF: 4, FD: 8, OD: 8 };

function writeElements(els: El[], bigEndian = false): Buffer {
  const parts: Buffer[] = [];
  for (const e of [...els].sort((a, b) => a.tag - b.tag)) {
    if (bigEndian && (e.vr === 'SQ' || e.undefinedLength)) throw new Error('the big-endian writer writes flat, native datasets only');
    const long = LONG_VRS.has(e.vr);
    const h = Buffer.alloc(long ? 12 : 8);
    const u16 = (v: number, at: number) => (bigEndian ? h.writeUInt16BE(v, at) : h.writeUInt16LE(v, at));
    u16(e.tag >>> 16, 0);
    u16(e.tag & 0xffff, 2);
    h.write(e.vr, 4, 'latin1');
    if (long) (bigEndian ? h.writeUInt32BE(e.value.length, 8) : h.writeUInt32LE(e.undefinedLength ? 0xffffffff : e.value.length, 8));
    else u16(e.value.length, 6);
    const word = WORD_BYTES[e.vr];
    parts.push(h, bigEndian && word ? swapWords(e.value, word) : e.value);
  }
  return Buffer.concat(parts);
}

/** A little-endian value as big endian: every `word`-byte unit reversed. */
function swapWords(b: Buffer, word: number): Buffer {
  const out = Buffer.alloc(b.length);
  for (let i = 0; i + word <= b.length; i += word) for (let k = 0; k < word; k++) out[i + k] = b[i + word - 1 - k];
  return out;
}

/**
 * A Part 10 file: preamble, file meta (explicit VR LE), then the dataset in explicit VR LE — or, for
 * Explicit VR Big Endian, every binary value written big endian (an OW value as 16-bit words, even
 * when it holds 8-bit pixels, which is what swaps them pairwise).
 */
export function part10(dataset: El[], transferSyntax = '1.2.840.10008.1.2.1'): Buffer {
  const metaBody = writeElements([
    el.bytes(0x00020001, 'OB', Uint8Array.from([0, 1])),
    el.str(0x00020002, 'UI', '1.2.840.10008.5.1.4.1.1.4'),
    el.str(0x00020003, 'UI', '1.2.826.0.1.3680043.8.498.555'),
    el.str(0x00020010, 'UI', transferSyntax),
    el.str(0x00020012, 'UI', '1.2.826.0.1.3680043.8.498.99'),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(metaBody.length, 0);
  const meta = writeElements([{ tag: 0x00020000, vr: 'UL', value: groupLength }]);
  const bigEndian = transferSyntax === '1.2.840.10008.1.2.2';
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), meta, metaBody, writeElements(dataset, bigEndian)]);
}

export interface MrOptions {
  rows: number;
  columns: number;
  frames?: number;
  bitsAllocated: number;
  bitsStored?: number;
  highBit?: number;
  pixelRepresentation?: 0 | 1;
  /** Photometric Interpretation (default MONOCHROME2); RGB writes 3 samples per pixel */
  photometric?: 'MONOCHROME1' | 'MONOCHROME2' | 'RGB';
  /** Planar Configuration of RGB (default 0: R, G, B interleaved; 1: the red plane, then green, then blue) */
  planar?: 0 | 1;
  /** stored words as written (garbage bits included), one per pixel, all frames */
  words?: ArrayLike<number>;
  /** or the pixel data element itself (encapsulated) */
  pixelData?: El;
  /** the VR of native pixel data (default OB for 8 bits, else OW) */
  pixelVr?: 'OB' | 'OW';
  transferSyntax?: string;
  z?: number;
  instanceNumber?: number;
  /** further elements (window, VOI LUT function, padding, functional groups…); one with a tag written here by default replaces it */
  extra?: El[];
  /** tags written by default to leave out (a header that lacks them) */
  omit?: number[];
}

/** One synthetic MR instance with the bit layout asked for (no rescale unless given in `extra`). */
export function mrDicom(o: MrOptions): Buffer {
  const ba = o.bitsAllocated;
  let pixel = o.pixelData;
  if (!pixel) {
    const words = o.words ?? [];
    const b = Buffer.alloc(words.length * (ba / 8));
    for (let i = 0; i < words.length; i++) {
      if (ba === 8) b.writeUInt8(words[i] & 0xff, i);
      else if (ba === 16) b.writeUInt16LE(words[i] & 0xffff, 2 * i);
      else b.writeUInt32LE(words[i] >>> 0, 4 * i);
    }
    pixel = el.bytes(0x7fe00010, o.pixelVr ?? (ba === 8 ? 'OB' : 'OW'), b);
  }
  const ds: El[] = [
    el.str(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.4'),
    el.str(0x00080060, 'CS', 'MR'),
    el.str(0x0020000e, 'UI', '1.2.826.0.1.3680043.8.498.77'),
    el.is(0x00200013, o.instanceNumber ?? 1),
    el.ds(0x00200032, -100, -100, o.z ?? 0),
    el.ds(0x00200037, 1, 0, 0, 0, 1, 0),
    el.us(0x00280002, o.photometric === 'RGB' ? 3 : 1),
    el.str(0x00280004, 'CS', o.photometric ?? 'MONOCHROME2'),
    ...(o.photometric === 'RGB' ? [el.us(0x00280006, o.planar ?? 0)] : []),
    el.us(0x00280010, o.rows),
    el.us(0x00280011, o.columns),
    el.us(0x00280100, ba),
    el.us(0x00280101, o.bitsStored ?? ba),
    el.us(0x00280102, o.highBit ?? (o.bitsStored ?? ba) - 1),
    el.us(0x00280103, o.pixelRepresentation ?? 0),
    pixel,
    ...(o.frames !== undefined ? [el.is(0x00280008, o.frames)] : []),
  ];
  const extra = o.extra ?? [];
  const kept = ds.filter((d) => !extra.some((e) => e.tag === d.tag) && !o.omit?.includes(d.tag));
  return part10([...kept, ...extra], o.transferSyntax);
}

/** The DICOM reference windows (PS3.3 C.11.2.1.2 / C.11.2.1.3) to 0..255, for expectations. */
export const ref = {
  linear: (x: number, c: number, w: number) =>
    clamp8(x <= c - 0.5 - (w - 1) / 2 ? 0 : x > c - 0.5 + (w - 1) / 2 ? 255 : ((x - (c - 0.5)) / (w - 1) + 0.5) * 255),
  linearExact: (x: number, c: number, w: number) => clamp8(x <= c - w / 2 ? 0 : x > c + w / 2 ? 255 : ((x - c) / w + 0.5) * 255),
  sigmoid: (x: number, c: number, w: number) => clamp8(255 / (1 + Math.exp((-4 * (x - c)) / w))),
};

function clamp8(y: number): number {
  return Math.min(255, Math.max(0, Math.round(y)));
}

/** Largest |a − b| over two byte arrays. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Splits a frame's bytes into `parts` fragments of even length (the last may be odd: the writer pads it). */
export function fragments(b: Uint8Array, parts: number): Uint8Array[] {
  const size = Math.ceil(b.length / parts / 2) * 2;
  return Array.from({ length: parts }, (_, p) => b.subarray(p * size, Math.min(b.length, (p + 1) * size))).filter((f) => f.length > 0);
}

/** Basic Offset Table of frames split into fragments: each frame's first fragment, as the offset of its item from the first fragment item. */
export function offsetTable(framesOfFragments: Uint8Array[][]): number[] {
  const bot: number[] = [];
  let at = 0;
  for (const frags of framesOfFragments) {
    bot.push(at);
    for (const f of frags) at += 8 + f.length + (f.length % 2);
  }
  return bot;
}
