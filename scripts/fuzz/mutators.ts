/**
 * Mutations for scripts/fuzz-uploads.ts: generic byte damage (flips, truncations, inserted or
 * duplicated segments, absurd 16/32-bit values) and structure-aware lies for the formats the
 * service parses (DICOM element lengths and values, deep or recursive sequences; NIfTI header
 * fields; ZIPs: archive-mutators.ts). Every choice comes from the seeded `Rng`,
 * so a case number and the seed give the same bytes again.
 */
export class Rng {
  constructor(private s: number) {}
  /** mulberry32 */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

const U32 = [0, 1, 2, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x3fffffff, 1 << 24];
const U16 = [0, 1, 0x7fff, 0x8000, 0xffff, 0xfffe, 255, 256, 4096, 65000];

export type Mutator = (b: Buffer, r: Rng) => Buffer;

export const generic: Record<string, Mutator> = {
  flip: (b, r) => {
    const o = Buffer.from(b);
    for (let k = 1 + r.int(8); k > 0; k--) o[r.int(o.length)] ^= 1 << r.int(8);
    return o;
  },
  flipHeader: (b, r) => {
    const o = Buffer.from(b);
    const n = Math.min(o.length, 1024);
    for (let k = 1 + r.int(4); k > 0; k--) o[r.int(n)] = r.int(256);
    return o;
  },
  truncate: (b, r) => b.subarray(0, r.int(b.length)),
  truncateTail: (b, r) => b.subarray(0, Math.max(0, b.length - 1 - r.int(64))),
  insert: (b, r) => {
    const at = r.int(b.length);
    return Buffer.concat([b.subarray(0, at), r.bytes(1 + r.int(512)), b.subarray(at)]);
  },
  duplicate: (b, r) => {
    const a = r.int(b.length);
    const len = Math.min(b.length - a, 1 + r.int(4096));
    const at = r.int(b.length);
    const seg = b.subarray(a, a + len);
    const times = r.pick([1, 2, 16, 256]);
    return Buffer.concat([b.subarray(0, at), ...Array.from({ length: times }, () => seg), b.subarray(at)]);
  },
  remove: (b, r) => {
    const a = r.int(b.length);
    return Buffer.concat([b.subarray(0, a), b.subarray(Math.min(b.length, a + 1 + r.int(2048)))]);
  },
  u32: (b, r) => {
    const o = Buffer.from(b);
    if (o.length < 4) return o;
    const at = r.int(Math.min(o.length - 3, r.next() < 0.7 ? 2048 : o.length - 3));
    (r.next() < 0.5 ? o.writeUInt32LE : o.writeUInt32BE).call(o, r.pick(U32) >>> 0, at);
    return o;
  },
  u16: (b, r) => {
    const o = Buffer.from(b);
    if (o.length < 2) return o;
    const at = r.int(Math.min(o.length - 1, r.next() < 0.7 ? 2048 : o.length - 1));
    (r.next() < 0.5 ? o.writeUInt16LE : o.writeUInt16BE).call(o, r.pick(U16), at);
    return o;
  },
  zeroRun: (b, r) => {
    const o = Buffer.from(b);
    const at = r.int(o.length);
    o.fill(0, at, Math.min(o.length, at + 1 + r.int(256)));
    return o;
  },
};

/** Top-level elements of an explicit-VR-LE Part 10 file: [offset of the tag, VR, offset of the length, long length?]. */
function dicomElements(b: Buffer): { at: number; vr: string; lenAt: number; long: boolean; valueAt: number; len: number }[] {
  const out = [];
  let p = 132;
  if (b.toString('latin1', 128, 132) !== 'DICM') return [];
  while (p + 8 <= b.length && out.length < 400) {
    const vr = b.toString('latin1', p + 4, p + 6);
    if (!/^[A-Z]{2}$/.test(vr)) break;
    const long = ['OB', 'OW', 'OF', 'OD', 'OL', 'SQ', 'UT', 'UN', 'UC', 'UR'].includes(vr);
    const lenAt = long ? p + 8 : p + 6;
    if (lenAt + 4 > b.length) break;
    const len = long ? b.readUInt32LE(lenAt) : b.readUInt16LE(lenAt);
    const valueAt = long ? p + 12 : p + 8;
    out.push({ at: p, vr, lenAt, long, valueAt, len });
    if (len === 0xffffffff) break;
    p = valueAt + len;
  }
  return out;
}

const TEXT_LIES = ['-1', '0', '99999999', '1e308', 'NaN', '-0', '4294967297', '1\\2\\3\\4\\5\\6\\7', ' ', '\0\0', 'inf'];

export const dicom: Record<string, Mutator> = {
  elementLength: (b, r) => {
    const els = dicomElements(b);
    if (!els.length) return generic.u32(b, r);
    const e = r.pick(els);
    const o = Buffer.from(b);
    if (e.long) o.writeUInt32LE(r.pick([0xffffffff, 0xfffffffe, 0x7fffffff, e.len + 1, e.len * 2, 0, 1]) >>> 0, e.lenAt);
    else o.writeUInt16LE(r.pick([0xffff, 0, 1, e.len + 1, e.len + 2]) & 0xffff, e.lenAt);
    return o;
  },
  elementValue: (b, r) => {
    const els = dicomElements(b).filter((e) => e.len > 0 && e.len < 256);
    if (!els.length) return generic.u16(b, r);
    const e = r.pick(els);
    let v: Buffer;
    if (e.vr === 'US' || e.vr === 'SS') v = Buffer.alloc(e.len).fill(0), v.writeUInt16LE(r.pick(U16), 0);
    else if (e.vr === 'UL' || e.vr === 'SL') v = Buffer.alloc(e.len), v.writeUInt32LE(r.pick(U32) >>> 0, 0);
    else {
      const s = r.pick(TEXT_LIES);
      v = Buffer.from(s.length % 2 ? s + ' ' : s, 'latin1');
    }
    const head = Buffer.from(b.subarray(e.at, e.valueAt));
    if (e.long) head.writeUInt32LE(v.length, head.length - 4);
    else head.writeUInt16LE(v.length, head.length - 2);
    return Buffer.concat([b.subarray(0, e.at), head, v, b.subarray(e.valueAt + e.len)]);
  },
  /** A sequence inserted before Pixel Data, nested `depth` deep, undefined lengths throughout. */
  deepSequence: (b, r) => {
    const depth = r.pick([64, 1000, 10000, 50000]);
    const open = Buffer.from([0x09, 0x00, 0x10, 0x10, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]); // (0009,1010) SQ undef, item undef
    const close = Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
    const closeAll = r.next() < 0.5;
    const body = Buffer.concat([Buffer.concat(Array(depth).fill(open)), closeAll ? Buffer.concat(Array(depth).fill(close)) : Buffer.alloc(0)]);
    return insertBeforePixels(b, body);
  },
  /** Many sibling items of a private sequence, each with an element. */
  manyItems: (b, r) => {
    const n = r.pick([5000, 100000, 200000]);
    const item = Buffer.from([0xfe, 0xff, 0x00, 0xe0, 12, 0, 0, 0, 0x09, 0x00, 0x11, 0x10, 0x4c, 0x4f, 4, 0, 0x41, 0x42, 0x43, 0x44]);
    const items = Buffer.concat(Array(n).fill(item));
    const head = Buffer.from([0x09, 0x00, 0x10, 0x10, 0x53, 0x51, 0, 0, 0, 0, 0, 0]);
    head.writeUInt32LE(items.length, 8);
    return insertBeforePixels(b, Buffer.concat([head, items]));
  },
  /** An item whose defined length points back into itself or past the end. */
  lyingItem: (b, r) => {
    const head = Buffer.from([0x09, 0x00, 0x10, 0x10, 0x53, 0x51, 0, 0, 0, 0, 0, 0, 0xfe, 0xff, 0x00, 0xe0, 0, 0, 0, 0]);
    head.writeUInt32LE(r.pick([0xffffffff, 8, 0x7ffffff0, 0xfffffff0]) >>> 0, 8);
    head.writeUInt32LE(r.pick([0xfffffff8, 0xffffffff, 0x10000000, 4]) >>> 0, 16);
    return insertBeforePixels(b, Buffer.concat([head, r.bytes(r.int(64))]));
  },
  /** Many private elements (a long flat header). */
  manyElements: (b, r) => {
    const n = r.pick([10000, 60000]);
    const parts: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const e = Buffer.from([0x09, 0x00, 0, 0, 0x4c, 0x4f, 2, 0, 0x41, 0x42]);
      e.writeUInt16LE(0x1000 + (i % 0xefff), 2);
      parts.push(e);
    }
    return insertBeforePixels(b, Buffer.concat(parts));
  },
  /** An Image Pixel module value (group 0028: Rows, Columns, Bits, Samples, Frames, Planar…) set to an absurd one. */
  imagePixelLie: (b, r) => {
    const els = dicomElements(b).filter((e) => b.readUInt16LE(e.at) === 0x0028 && e.len > 0 && e.len < 64);
    if (!els.length) return generic.u16(b, r);
    const e = r.pick(els);
    let v: Buffer;
    if (e.vr === 'US' || e.vr === 'SS') {
      v = Buffer.alloc(2);
      v.writeUInt16LE(r.pick([0, 1, 2, 3, 4, 7, 8, 12, 15, 16, 17, 24, 32, 33, 64, 255, 4096, 32768, 65535]), 0);
    } else v = Buffer.from(r.pick(['0 ', '1 ', '400 ', '401 ', '65535 ', '100000000 ', '-1', '2 ', 'PALETTE COLOR ', 'RGB ', 'YBR_FULL', 'MONOCHROME1 ']), 'latin1');
    const head = Buffer.from(b.subarray(e.at, e.valueAt));
    if (e.long) head.writeUInt32LE(v.length, head.length - 4);
    else head.writeUInt16LE(v.length, head.length - 2);
    return Buffer.concat([b.subarray(0, e.at), head, v, b.subarray(e.valueAt + e.len)]);
  },
  /** A JPEG / JPEG-LS frame header's or a JPEG 2000 SIZ's size (and tile size) rewritten, Rows × Columns to match half the time. */
  codestreamDims: (b, r) => {
    const o = Buffer.from(b);
    const side = r.pick([1, 63, 65, 1024, 2048, 2049, 4096, 65535]);
    if (r.next() < 0.5)
      for (const el of [0x10, 0x11]) {
        const q = o.indexOf(Buffer.from([0x28, 0x00, el, 0x00, 0x55, 0x53, 0x02, 0x00]));
        if (q > 0) o.writeUInt16LE(side & 0xffff, q + 8);
      }
    const siz = o.indexOf(Buffer.from([0xff, 0x4f, 0xff, 0x51]));
    if (siz > 0 && siz + 34 <= o.length) {
      o.writeUInt32BE(side, siz + 8);
      o.writeUInt32BE(side, siz + 12);
      if (r.next() < 0.5) for (const at of [siz + 24, siz + 28]) o.writeUInt32BE(r.pick([0, 1, 16, 64, side]), at);
      return o;
    }
    for (const m of [0xc0, 0xc1, 0xc3, 0xf7]) {
      const p = o.indexOf(Buffer.from([0xff, m]), 132);
      if (p > 0 && p + 9 <= o.length) {
        o.writeUInt16BE(side & 0xffff, p + 5);
        o.writeUInt16BE(side & 0xffff, p + 7);
        return o;
      }
    }
    return generic.u16(o, r);
  },
};

function insertBeforePixels(b: Buffer, body: Buffer): Buffer {
  const els = dicomElements(b);
  const pixel = els.find((e) => b.readUInt16LE(e.at) === 0x7fe0) ?? els[els.length - 1];
  const at = pixel ? pixel.at : b.length;
  // a private element of group 0009 must sort before group 0010: after the meta group is enough for dicom-parser
  const meta = els.find((e) => b.readUInt16LE(e.at) !== 0x0002);
  const where = meta && at > meta.at ? meta.at : at;
  return Buffer.concat([b.subarray(0, where), body, b.subarray(where)]);
}

const F32 = [NaN, Infinity, -Infinity, 0, -1, 1e38, -1e38, 1e-38, 3.4e38, 65536, 0.5];
const I16 = [-1, 0, 1, 7, 8, 9, 32767, -32768, 1000, 2];

export const nifti: Record<string, Mutator> = {
  dims: (b, r) => {
    const o = Buffer.from(b);
    const i = r.int(8);
    o.writeInt16LE(r.pick(I16), 40 + 2 * i);
    return o;
  },
  datatype: (b, r) => {
    const o = Buffer.from(b);
    o.writeInt16LE(r.pick([0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2304, 7, -1, 32767]), 70);
    o.writeInt16LE(r.pick([0, 1, 8, 16, 32, 64, 128, 24, -8, 7]), 72);
    return o;
  },
  floats: (b, r) => {
    const o = Buffer.from(b);
    // pixdim, vox_offset, scl_slope, scl_inter, cal_max/min, quatern, qoffset, srow
    const at = r.pick([76, 80, 84, 88, 92, 108, 112, 116, 124, 128, 256, 260, 264, 268, 272, 276, 280, 284, 288, 292, 296, 300, 304, 308, 312, 316, 320, 324]);
    o.writeFloatLE(r.pick(F32), at);
    return o;
  },
  voxOffset: (b, r) => {
    const o = Buffer.from(b);
    o.writeFloatLE(r.pick([0, 348, 351, 353, 1e9, -352, 4e9, NaN, 352.5, b.length, b.length + 4]), 108);
    return o;
  },
  codes: (b, r) => {
    const o = Buffer.from(b);
    o.writeInt16LE(r.pick(I16), r.pick([252, 254, 68]));
    o[39] = r.int(256);
    o[123] = r.int(256);
    return o;
  },
  extension: (b, r) => {
    if (b.length < 352) return b;
    const o = Buffer.from(b);
    o[348] = 1;
    const ext = Buffer.alloc(8);
    ext.writeInt32LE(r.pick([8, 16, 0, -8, 0x7ffffff0, 6, 1 << 20]), 0);
    return Buffer.concat([o.subarray(0, 352), ext, r.bytes(r.int(64)), o.subarray(352)]);
  },
};
