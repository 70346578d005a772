/**
 * Mutations of what sits inside a DICOM file's Pixel Data and of gzip members, for
 * scripts/fuzz/deep-fuzz.ts: the frame's codestream (JPEG marker lies from format-mutators.ts, RLE
 * segment headers, JPEG 2000 SIZ/COD/QCD/SOT fields) rewritten in place with its item length fixed,
 * the encapsulation around it (Basic Offset Table, fragment lengths, a frame split into many
 * fragments, empty fragments, no delimiter), and gzip (ISIZE/CRC lies, header flags, concatenated
 * members, a member that inflates far past the rest). Seeded like mutators.ts.
 */
import * as zlib from 'node:zlib';
import { jpeg } from './format-mutators';
import { generic, Mutator, Rng } from './mutators';

interface Item { at: number; len: number }
/** The items of the (first) encapsulated Pixel Data element: [0] is the Basic Offset Table. */
function pixelItems(b: Buffer): { items: Item[]; end: number } | null {
  const tag = b.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]));
  if (tag < 0) return null;
  const items: Item[] = [];
  let p = tag + 12;
  while (p + 8 <= b.length && b.readUInt16LE(p) === 0xfffe && b.readUInt16LE(p + 2) === 0xe000 && items.length < 10000) {
    const len = b.readUInt32LE(p + 4);
    items.push({ at: p, len });
    p += 8 + len;
  }
  return { items, end: p };
}

function item(data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(0xfffe, 0);
  h.writeUInt16LE(0xe000, 2);
  h.writeUInt32LE(data.length, 4);
  return Buffer.concat([h, data]);
}
const even = (b: Buffer): Buffer => (b.length % 2 ? Buffer.concat([b, Buffer.from([0])]) : b);

/** Rewrites the first frame fragment with `f` (its item length kept true, padded even). */
function onFragment(b: Buffer, r: Rng, f: (frag: Buffer, r: Rng) => Buffer): Buffer {
  const px = pixelItems(b);
  if (!px || px.items.length < 2) return generic.flip(b, r);
  const it = px.items[1];
  const frag = b.subarray(it.at + 8, it.at + 8 + it.len);
  return Buffer.concat([b.subarray(0, it.at), item(even(f(Buffer.from(frag), r))), b.subarray(it.at + 8 + it.len)]);
}

const U32 = [0, 1, 2, 3, 15, 16, 64, 0x7fffffff, 0xffffffff, 0x10000];

const rle: Record<string, Mutator> = {
  segments: (f, r) => {
    const o = Buffer.from(f);
    o.writeUInt32LE(r.pick([0, 2, 3, 4, 15, 16, 0xffffffff]) >>> 0, 0);
    return o;
  },
  offsets: (f, r) => {
    const o = Buffer.from(f);
    const i = 1 + r.int(15);
    o.writeUInt32LE(r.pick([0, 1, 63, 64, o.length, o.length + 1, o.length - 1, 0xffffffff, o.readUInt32LE(4 * Math.max(1, i - 1))]) >>> 0, 4 * i);
    return o;
  },
  runs: (f, r) => {
    // control bytes: −128 (a no-op), long repeats and long literals that overrun the row
    const o = Buffer.from(f);
    for (let k = 1 + r.int(8); k > 0; k--) o[64 + r.int(Math.max(1, o.length - 64))] = r.pick([0x80, 0x81, 0x7f, 0x00]);
    return o;
  },
  headerOnly: (f) => f.subarray(0, 64),
};

/** The offset of a JPEG 2000 marker segment in a codestream. */
const j2kMarker = (f: Buffer, m: number): number => f.indexOf(Buffer.from([0xff, m]));

const j2k: Record<string, Mutator> = {
  siz: (f, r) => {
    const p = j2kMarker(f, 0x51);
    if (p < 0) return generic.u32(f, r);
    const o = Buffer.from(f);
    const field = r.int(6);
    if (field < 4) o.writeUInt32BE(r.pick(U32) >>> 0, p + [6, 10, 22, 26][field]); // Xsiz, Ysiz, XTsiz, YTsiz
    else if (field === 4) o.writeUInt16BE(r.pick([0, 2, 3, 4, 16384, 65535]), p + 38);
    else if (p + 42 < o.length) {
      o[p + 40] = r.pick([0, 7, 15, 37, 38, 0x7f, 0x8f, 0xff]); // Ssiz: bit depth and sign
      o[p + 41 + r.int(2)] = r.pick([0, 1, 2, 255]); // XRsiz, YRsiz
    }
    return o;
  },
  cod: (f, r) => {
    const p = j2kMarker(f, 0x52);
    if (p < 0) return generic.u32(f, r);
    const o = Buffer.from(f);
    const field = r.int(5);
    if (field === 0) o[p + 5] = r.pick([5, 6, 255]); // progression order
    else if (field === 1) o.writeUInt16BE(r.pick([0, 65535, 2]), p + 6); // layers
    else if (field === 2) o[p + 9] = r.pick([0, 32, 33, 255]); // decomposition levels
    else if (field === 3) o[p + 10 + r.int(2)] = r.pick([0, 8, 9, 15, 255]); // code-block size exponents
    else o[p + 13] = r.pick([2, 255]); // wavelet
    return o;
  },
  qcd: (f, r) => {
    const p = j2kMarker(f, 0x5c);
    if (p < 0) return generic.u32(f, r);
    const o = Buffer.from(f);
    o[p + 4] = r.pick([0x00, 0x1f, 0x03, 0xff, 0x40]);
    return o;
  },
  sot: (f, r) => {
    const p = j2kMarker(f, 0x90);
    if (p < 0) return generic.u32(f, r);
    const o = Buffer.from(f);
    const field = r.int(3);
    if (field === 0) o.writeUInt16BE(r.pick([1, 2, 65535]), p + 4); // tile index
    else if (field === 1) o.writeUInt32BE(r.pick([0, 1, 14, 0xffffffff, o.length * 2]) >>> 0, p + 6); // Psot
    else { o[p + 10] = r.pick([1, 255]); o[p + 11] = r.pick([0, 1, 255]); } // TPsot, TNsot
    return o;
  },
};

export const frame: Record<string, Mutator> = {
  jpeg: (b, r) => {
    const name = r.pick(Object.keys(jpeg).filter((k) => !['exifApp1', 'xmpApp1', 'adobeApp14'].includes(k)));
    return onFragment(b, r, (f) => jpeg[name](f, r));
  },
  rle: (b, r) => onFragment(b, r, (f) => rle[r.pick(Object.keys(rle))](f, r)),
  j2k: (b, r) => onFragment(b, r, (f) => j2k[r.pick(Object.keys(j2k))](f, r)),
  fragmentBytes: (b, r) => onFragment(b, r, (f) => generic[r.pick(['flip', 'truncate', 'truncateTail', 'insert', 'remove', 'zeroRun'])](f, r)),
  bot: (b, r) => {
    const px = pixelItems(b);
    if (!px?.items.length) return generic.u32(b, r);
    const offs = Array.from({ length: r.pick([1, 2, 3, 1000]) }, () => r.pick([0, 2, 8, 0xffffffff, 0x7fffffff, 1 << 20, 7]));
    const table = Buffer.alloc(4 * offs.length);
    offs.forEach((v, i) => table.writeUInt32LE(v >>> 0, 4 * i));
    const it = px.items[0];
    return Buffer.concat([b.subarray(0, it.at), item(table), b.subarray(it.at + 8 + it.len)]);
  },
  itemLength: (b, r) => {
    const px = pixelItems(b);
    if (!px?.items.length) return generic.u32(b, r);
    const it = r.pick(px.items);
    const o = Buffer.from(b);
    o.writeUInt32LE(r.pick([0, 1, it.len + 1, it.len + 2, it.len - 2, 0xffffffff, 0xfffffffe, 0x7fffffff]) >>> 0, it.at + 4);
    return o;
  },
  splitFrame: (b, r) => {
    const px = pixelItems(b);
    if (!px || px.items.length < 2) return generic.flip(b, r);
    const it = px.items[1];
    const frag = b.subarray(it.at + 8, it.at + 8 + it.len);
    const step = r.pick([2, 4, 64, 1000]);
    const parts: Buffer[] = [];
    for (let i = 0; i < frag.length; i += step) parts.push(item(even(Buffer.from(frag.subarray(i, i + step)))));
    if (r.next() < 0.3) parts.splice(r.int(parts.length), 0, ...Array(r.pick([1, 5000])).fill(item(Buffer.alloc(0))));
    return Buffer.concat([b.subarray(0, it.at), ...parts, b.subarray(it.at + 8 + it.len)]);
  },
  noDelimiter: (b, r) => {
    const px = pixelItems(b);
    if (!px) return generic.truncateTail(b, r);
    return Buffer.concat([b.subarray(0, px.end), r.next() < 0.5 ? Buffer.alloc(0) : r.bytes(r.int(16))]);
  },
};

/** Lazily built once: a small member inflating to 256 MiB of zeros. */
let bomb: Buffer | undefined;

export const gzip: Record<string, Mutator> = {
  isize: (b, r) => {
    const o = Buffer.from(b);
    o.writeUInt32LE(r.pick([0, 1, 348, 0xffffffff, 0x7fffffff, o.readUInt32LE(o.length - 4) + 1, 1 << 30]) >>> 0, o.length - 4);
    return o;
  },
  crc: (b) => {
    const o = Buffer.from(b);
    o.writeUInt32LE((o.readUInt32LE(o.length - 8) ^ 0x5a5a5a5a) >>> 0, o.length - 8);
    return o;
  },
  flags: (b, r) => {
    const o = Buffer.from(b.subarray(0, 10));
    const rest = b.subarray(10);
    const f = r.pick([0x04, 0x08, 0x10, 0x02, 0xe0, 0x1c]);
    o[3] = f;
    const extra = f & 0x04 ? Buffer.concat([Buffer.from([r.pick([0, 6, 255]), r.pick([0, 255])]), r.bytes(r.int(8))]) : Buffer.alloc(0);
    const name = f & 0x08 ? Buffer.from(r.next() < 0.5 ? 'brain.nii\0' : 'x'.repeat(r.int(4000)), 'latin1') : Buffer.alloc(0);
    const hcrc = f & 0x02 ? r.bytes(2) : Buffer.alloc(0);
    return Buffer.concat([o, extra, name, hcrc, rest]);
  },
  method: (b, r) => {
    const o = Buffer.from(b);
    o[2] = r.pick([0, 7, 9, 255]);
    return o;
  },
  concat: (b, r) => {
    const k = r.int(4);
    const second = k === 0 ? b : k === 1 ? zlib.gzipSync(Buffer.alloc(r.pick([1, 348, 1 << 20]))) : k === 2 ? r.bytes(r.int(64)) : Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    return Buffer.concat([b, second]);
  },
  bombTail: (b) => {
    bomb ??= zlib.gzipSync(Buffer.alloc(256 << 20), { level: 9 });
    return Buffer.concat([b, bomb]);
  },
  deflateDamage: (b, r) => {
    const o = Buffer.from(b);
    for (let k = 1 + r.int(4); k > 0; k--) o[10 + r.int(Math.max(1, o.length - 18))] ^= 1 << r.int(8);
    return o;
  },
  truncate: (b, r) => b.subarray(0, r.pick([10, 11, 20, Math.max(10, b.length - 8), b.length - 4, b.length - 1, 10 + r.int(Math.max(1, b.length - 10))])),
};

/** An explicit-VR-LE element's value span, found by its tag and VR bytes (first occurrence). */
function valueOf(b: Buffer, tag: number, vr: string): { at: number; len: number; lenAt: number } | null {
  const head = Buffer.alloc(6);
  head.writeUInt16LE(tag >>> 16, 0);
  head.writeUInt16LE(tag & 0xffff, 2);
  head.write(vr, 4, 'latin1');
  const p = b.indexOf(head, 132);
  if (p < 0 || p + 12 > b.length) return null;
  return vr === 'US' ? { at: p + 8, len: b.readUInt16LE(p + 6), lenAt: p + 6 } : { at: p + 12, len: b.readUInt32LE(p + 8), lenAt: p + 8 };
}

export const palette: Record<string, Mutator> = {
  /** a descriptor's entries / first mapped / bits set to a lie */
  descriptor: (b, r) => {
    const v = valueOf(b, 0x00281101 + r.int(3), 'US');
    if (!v || v.len < 6) return generic.u16(b, r);
    const o = Buffer.from(b);
    o.writeUInt16LE(r.pick([0, 1, 2, 255, 257, 4096, 65535, 32768, 8, 16, 12, 0]), v.at + 2 * r.int(3));
    return o;
  },
  /** segmented table words: opcodes and counts that lie, indirect offsets out of the table or to itself */
  segments: (b, r) => {
    const v = valueOf(b, 0x00281221 + r.int(3), 'OW');
    if (!v) return generic.u16(b, r);
    const o = Buffer.from(b);
    for (let k = 1 + r.int(3); k > 0; k--) o.writeUInt16LE(r.pick([0, 1, 2, 3, 0xffff, 0x8000, 256, 65535, 4]), v.at + 2 * r.int(Math.max(1, v.len >> 1)));
    return o;
  },
  /** a table shorter or longer than its descriptor says */
  tableLength: (b, r) => {
    const v = valueOf(b, r.pick([0x00281201, 0x00281221]) + r.int(3), 'OW');
    if (!v) return generic.u32(b, r);
    const n = r.pick([0, 2, v.len - 2, v.len + 2, v.len * 2, 131072]);
    const o = Buffer.concat([b.subarray(0, v.at), Buffer.alloc(n, 0x7f), b.subarray(v.at + v.len)]);
    o.writeUInt32LE(n, v.lenAt);
    return o;
  },
};
