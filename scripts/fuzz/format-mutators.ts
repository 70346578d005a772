/**
 * Structure-aware mutations *inside* the formats, for scripts/fuzz/deep-fuzz.ts: the places
 * mutators.ts (whole-file byte damage, DICOM element and NIfTI header lies) reaches only by luck.
 * PNG chunk lists (CRC, IHDR, APNG, tRNS, eXIf / raw-profile / XMP orientation, iCCP, IDAT split),
 * JPEG marker segments (lengths, SOF/DHT/DQT/SOS/DRI fields, SOF types, EXIF IFDs, many scans,
 * entropy-coded data), a DICOM frame's codestream (the same JPEG lies, RLE headers, JPEG 2000
 * COD/SIZ/SOT), the encapsulation around it (Basic Offset Table, fragment lengths, split frames)
 * and gzip members (sizes, CRC, header flags, concatenation). Seeded: a case number gives the same bytes.
 */
import * as zlib from 'node:zlib';
import { generic, Mutator, Rng } from './mutators';

const be32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
};
const crc32 = (b: Buffer): number => zlib.crc32(b);

/** A PNG chunk with a correct CRC (mutations that mean to lie about CRC do so on purpose). */
export function pngChunk(type: string, data: Buffer): Buffer {
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([be32(data.length), td, be32(crc32(td))]);
}

interface Chunk { at: number; type: string; len: number }
function pngChunkList(b: Buffer): Chunk[] {
  const out: Chunk[] = [];
  for (let p = 8; p + 12 <= b.length && out.length < 10000; ) {
    const len = b.readUInt32BE(p);
    out.push({ at: p, type: b.toString('latin1', p + 4, p + 8), len });
    p += 12 + len;
  }
  return out;
}
/** Inserts `chunk` just before the first chunk of `type` (IDAT by default). */
function pngInsertBefore(b: Buffer, chunk: Buffer, type = 'IDAT'): Buffer {
  const c = pngChunkList(b).find((x) => x.type === type);
  const at = c ? c.at : 33;
  return Buffer.concat([b.subarray(0, at), chunk, b.subarray(at)]);
}
const u32s = (...n: number[]): Buffer => Buffer.concat(n.map(be32));

const TIFF_ORIENTATION = (r: Rng): Buffer => {
  // a little TIFF: header, IFD with `count` entries, one of them Orientation; offsets and types lie
  const le = r.next() < 0.5;
  const b = Buffer.alloc(64);
  b.write(le ? 'II' : 'MM', 0, 'latin1');
  const w16 = (v: number, at: number) => (le ? b.writeUInt16LE(v & 0xffff, at) : b.writeUInt16BE(v & 0xffff, at));
  const w32 = (v: number, at: number) => (le ? b.writeUInt32LE(v >>> 0, at) : b.writeUInt32BE(v >>> 0, at));
  w16(r.pick([42, 43, 0]), 2);
  w32(r.pick([8, 0, 4, 63, 64, 0xffffffff, 0x7fffffff, 8]), 4);
  w16(r.pick([1, 0, 2, 0xffff, 5000]), 8);
  w16(0x0112, 10);
  w16(r.pick([3, 4, 1, 0, 13, 0xffff]), 12);
  w32(r.pick([1, 0, 2, 0xffffffff, 1 << 20]), 14);
  w16(r.pick([6, 8, 0, 9, 0xffff, 1]), 18);
  w32(r.pick([0, 8, 0xffffffff]), 22); // next IFD: itself, or far away
  return r.next() < 0.3 ? b.subarray(0, r.int(64)) : b;
};

export const png: Record<string, Mutator> = {
  badCrc: (b, r) => {
    const cs = pngChunkList(b);
    const c = r.pick(cs);
    const o = Buffer.from(b);
    if (c.at + 12 + c.len <= o.length) o.writeUInt32BE(r.int(2 ** 32), c.at + 8 + c.len);
    return o;
  },
  chunkLength: (b, r) => {
    const c = r.pick(pngChunkList(b));
    const o = Buffer.from(b);
    o.writeUInt32BE(r.pick([0, 1, c.len + 1, c.len - 1, 0x7fffffff, 0x80000000, 0xffffffff, b.length]) >>> 0, c.at);
    return o;
  },
  ihdr: (b, r) => {
    const o = Buffer.from(b);
    const field = r.int(7);
    if (field < 2) o.writeUInt32BE(r.pick([0, 1, 63, 64, 65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff, 100000]) >>> 0, 16 + 4 * field);
    else o[22 + field] = r.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 32, 255]);
    if (r.next() < 0.7) o.writeUInt32BE(crc32(o.subarray(12, 29)), 29);
    return o;
  },
  apng: (b, r) => {
    const actl = pngChunk('acTL', u32s(r.pick([0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff]), r.pick([0, 1])));
    const fctl = pngChunk('fcTL', Buffer.concat([u32s(0, r.pick([64, 256, 0, 100000]), r.pick([64, 256, 0xffffffff]), 0, 0), Buffer.from([0, 1, 0, 100, 0, 0])]));
    const order = r.int(4);
    const pre = order === 0 ? [actl] : order === 1 ? [actl, fctl] : order === 2 ? [fctl, actl] : [fctl, fctl, actl, actl];
    let o = pngInsertBefore(b, Buffer.concat(pre));
    if (r.next() < 0.5) o = pngInsertBefore(o, pngChunk('fdAT', Buffer.concat([be32(1), r.bytes(r.int(64))])), 'IEND');
    return o;
  },
  trns: (b, r) => pngInsertBefore(b, pngChunk('tRNS', r.bytes(r.pick([0, 1, 2, 3, 5, 6, 7, 256, 257, 1000])))),
  plte: (b, r) => pngInsertBefore(b, pngChunk('PLTE', r.bytes(r.pick([0, 3, 4, 768, 771, 3000])))),
  exif: (b, r) => {
    const body = Buffer.concat([r.next() < 0.3 ? Buffer.from('Exif\0\0') : Buffer.alloc(0), TIFF_ORIENTATION(r)]);
    return r.next() < 0.5 ? pngInsertBefore(b, pngChunk('eXIf', body)) : pngInsertBefore(b, pngChunk('eXIf', body), 'IEND');
  },
  rawProfileExif: (b, r) => {
    const tiff = Buffer.concat([Buffer.from('Exif\0\0'), TIFF_ORIENTATION(r)]);
    let hex = tiff.toString('hex');
    if (r.next() < 0.3) hex = hex.slice(0, r.int(hex.length)) + 'zz';
    const len = r.pick([String(tiff.length), '0', '-5', '99999999', 'NaN', '1e9', '']);
    const text = `\nexif\n${' '.repeat(r.int(10))}${len}\n${hex.replace(/(.{72})/g, '$1\n')}\n`;
    const key = Buffer.from('Raw profile type exif\0', 'latin1');
    const chunk = r.next() < 0.5 ? pngChunk('tEXt', Buffer.concat([key, Buffer.from(text, 'latin1')])) : pngChunk('zTXt', Buffer.concat([key, Buffer.from([0]), zlib.deflateSync(Buffer.from(text, 'latin1'))]));
    return pngInsertBefore(b, chunk);
  },
  xmp: (b, r) => {
    const v = r.pick(['6', '0', '9', '-1', '1e400', '', '6 6', '<x/>', '99999999999999999999']);
    const xml = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description tiff:Orientation="${v}"/><tiff:Orientation>${v}</tiff:Orientation></rdf:RDF></x:xmpmeta>`;
    const body = Buffer.concat([Buffer.from('XML:com.adobe.xmp\0\0\0\0\0', 'latin1'), Buffer.from(r.next() < 0.2 ? xml.repeat(2000) : xml)]);
    return pngInsertBefore(b, pngChunk('iTXt', body));
  },
  iccp: (b, r) => {
    const prof = r.next() < 0.5 ? r.bytes(r.int(600)) : Buffer.alloc(r.pick([0, 128, 1 << 20, 50 << 20]));
    return pngInsertBefore(b, pngChunk('iCCP', Buffer.concat([Buffer.from('icc\0\0', 'latin1'), zlib.deflateSync(prof)])));
  },
  gama: (b, r) => pngInsertBefore(b, pngChunk('gAMA', r.next() < 0.7 ? be32(r.pick([0, 1, 45455, 100000, 0xffffffff])) : r.bytes(r.int(8)))),
  splitIdat: (b, r) => {
    const cs = pngChunkList(b).filter((c) => c.type === 'IDAT');
    if (!cs.length) return generic.flip(b, r);
    const data = Buffer.concat(cs.map((c) => b.subarray(c.at + 8, c.at + 8 + c.len)));
    const step = r.pick([1, 7, 1000]);
    const parts: Buffer[] = [];
    for (let i = 0; i < data.length; i += step) parts.push(pngChunk('IDAT', data.subarray(i, i + step)));
    const end = cs[cs.length - 1];
    return Buffer.concat([b.subarray(0, cs[0].at), ...parts, b.subarray(end.at + 12 + end.len)]);
  },
  idatBomb: (b, r) => {
    // a small IDAT that inflates far past what IHDR says, or an IHDR far larger than its IDAT
    const o = Buffer.from(b.subarray(0, 33));
    const side = r.pick([64, 4096, 20000]);
    o.writeUInt32BE(side, 16);
    o.writeUInt32BE(side, 20);
    o.writeUInt32BE(crc32(o.subarray(12, 29)), 29);
    const idat = zlib.deflateSync(Buffer.alloc(r.pick([1 << 10, 1 << 24, 1 << 26])), { level: 1 });
    return Buffer.concat([o, pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
  },
  afterIend: (b, r) => Buffer.concat([b, pngChunk(r.pick(['IDAT', 'acTL', 'IHDR', 'tEXt']), r.bytes(r.int(100))), r.bytes(r.int(100))]),
  twoIhdr: (b) => Buffer.concat([b.subarray(0, 33), b.subarray(8, 33), b.subarray(33)]),
};

// ---- JPEG marker segments ----

interface Seg { at: number; marker: number; len: number }
/** Marker segments from SOI up to the first SOS (included), then the SOS markers after it. */
function jpegSegments(b: Buffer): Seg[] {
  const out: Seg[] = [];
  let p = 2;
  while (p + 4 <= b.length && out.length < 2000) {
    if (b[p] !== 0xff) { p++; continue; }
    const m = b[p + 1];
    if (m === 0xff || m === 0x00 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) { p += m === 0xff ? 1 : 2; continue; }
    if (m === 0xd9) { out.push({ at: p, marker: m, len: 0 }); break; }
    const len = b.readUInt16BE(p + 2);
    out.push({ at: p, marker: m, len });
    p += 2 + len;
  }
  return out;
}
const SOF = [0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf, 0xf7];

function segOf(b: Buffer, r: Rng, markers: number[]): Seg | undefined {
  const s = jpegSegments(b).filter((x) => markers.includes(x.marker));
  return s.length ? r.pick(s) : undefined;
}

export const jpeg: Record<string, Mutator> = {
  segLength: (b, r) => {
    const s = jpegSegments(b).filter((x) => x.len);
    if (!s.length) return generic.u16(b, r);
    const x = r.pick(s);
    const o = Buffer.from(b);
    o.writeUInt16BE(r.pick([0, 1, 2, 3, x.len + 1, x.len - 1, 0xffff, x.len + 2]) & 0xffff, x.at + 2);
    return o;
  },
  sofFields: (b, r) => {
    const s = segOf(b, r, SOF);
    if (!s) return generic.u16(b, r);
    const o = Buffer.from(b);
    const f = r.int(5);
    if (f === 0) o[s.at + 4] = r.pick([0, 1, 2, 7, 8, 12, 16, 17, 255]);
    else if (f === 1) o.writeUInt16BE(r.pick([0, 1, 65535, 8193, 32768]), s.at + 5 + 2 * r.int(2));
    else if (f === 2) o[s.at + 9] = r.pick([0, 2, 3, 4, 5, 255]);
    else if (s.len >= 11) o[s.at + 11 + 3 * r.int(Math.max(1, o[s.at + 9])) + (f === 3 ? 0 : 1)] = f === 3 ? r.pick([0x00, 0x11, 0x44, 0x55, 0xf1, 0x1f, 0x22]) : r.pick([0, 1, 3, 4, 255]);
    return o;
  },
  sofType: (b, r) => {
    const s = segOf(b, r, SOF);
    if (!s) return generic.u16(b, r);
    const o = Buffer.from(b);
    o[s.at + 1] = r.pick(SOF);
    return o;
  },
  dht: (b, r) => {
    const s = segOf(b, r, [0xc4]);
    if (!s) return generic.u16(b, r);
    const o = Buffer.from(b);
    const f = r.int(3);
    if (f === 0) o[s.at + 4] = r.pick([0x00, 0x10, 0x04, 0x14, 0x20, 0xff, 0x03]);
    else if (f === 1) o[s.at + 5 + r.int(16)] = r.pick([0, 1, 2, 255, 128]);
    else o.fill(0xff, s.at + 5, s.at + 21); // code counts summing past 256 and past the codes there are
    return o;
  },
  dqt: (b, r) => {
    const s = segOf(b, r, [0xdb]);
    if (!s) return generic.u16(b, r);
    const o = Buffer.from(b);
    if (r.next() < 0.5) o[s.at + 4] = r.pick([0x10, 0x04, 0x0f, 0xff, 0x13]);
    else o.fill(0, s.at + 5, Math.min(o.length, s.at + 2 + s.len));
    return o;
  },
  sos: (b, r) => {
    const s = segOf(b, r, [0xda]);
    if (!s) return generic.u16(b, r);
    const o = Buffer.from(b);
    const f = r.int(4);
    if (f === 0) o[s.at + 4] = r.pick([0, 2, 4, 5, 255]);
    else if (f === 1) o[s.at + 5] = r.pick([0, 9, 255, 4]);
    else if (f === 2) o[s.at + 6] = r.pick([0x44, 0xff, 0x0f, 0xf0]);
    else o.writeUInt16BE(r.pick([0x003f, 0x0100, 0xff00, 0x00ff, 0x3f3f, 0x0007]), s.at + 2 + s.len - 3);
    return o;
  },
  dri: (b, r) => {
    const sof = segOf(b, r, SOF);
    if (!sof) return generic.u16(b, r);
    const dri = Buffer.from([0xff, 0xdd, 0, 4, 0, 0]);
    dri.writeUInt16BE(r.pick([0, 1, 2, 3, 0xffff]), 4);
    return Buffer.concat([b.subarray(0, sof.at), dri, b.subarray(sof.at)]);
  },
  duplicateSeg: (b, r) => {
    const s = jpegSegments(b).filter((x) => x.len && x.marker !== 0xda);
    if (!s.length) return generic.duplicate(b, r);
    const x = r.pick(s);
    const seg = b.subarray(x.at, x.at + 2 + x.len);
    const at = r.pick(jpegSegments(b)).at;
    return Buffer.concat([b.subarray(0, at), ...Array(r.pick([1, 2, 50])).fill(seg), b.subarray(at)]);
  },
  dropSeg: (b, r) => {
    const s = jpegSegments(b).filter((x) => x.len && x.marker !== 0xda);
    if (!s.length) return generic.remove(b, r);
    const x = r.pick(s);
    return Buffer.concat([b.subarray(0, x.at), b.subarray(x.at + 2 + x.len)]);
  },
  /** cut at a segment boundary, or inside one */
  truncateAtSeg: (b, r) => {
    const s = r.pick(jpegSegments(b).concat([{ at: b.length, marker: 0, len: 0 }]));
    return b.subarray(0, Math.max(2, s.at + r.pick([0, 1, 2, 3, 4, 5, 9])));
  },
  entropy: (b, r) => {
    const sos = jpegSegments(b).find((x) => x.marker === 0xda);
    if (!sos) return generic.flip(b, r);
    const start = sos.at + 2 + sos.len;
    const o = Buffer.from(b);
    const f = r.int(4);
    if (f === 0) for (let k = 1 + r.int(16); k > 0; k--) o[start + r.int(Math.max(1, o.length - start - 2))] ^= 1 << r.int(8);
    else if (f === 1) o.fill(r.pick([0x00, 0xff, 0x55]), start, start + r.int(Math.max(1, o.length - start - 2)));
    else {
      const at = start + r.int(Math.max(1, o.length - start - 2));
      const m = f === 2 ? r.pick([0xd9, 0xd0, 0xd7, 0xc4, 0xda, 0xdc, 0x01, 0xff]) : 0xd0 + r.int(8);
      return Buffer.concat([o.subarray(0, at), Buffer.from([0xff, m]), o.subarray(at)]);
    }
    return o;
  },
  manyScans: (b, r) => {
    const sos = jpegSegments(b).find((x) => x.marker === 0xda);
    if (!sos) return generic.duplicate(b, r);
    const scan = b.subarray(sos.at, b.length - 2);
    return Buffer.concat([b.subarray(0, sos.at), ...Array(r.pick([2, 129, 1000])).fill(scan), Buffer.from([0xff, 0xd9])]);
  },
  exifApp1: (b, r) => {
    const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), TIFF_ORIENTATION(r)]);
    const seg = Buffer.concat([Buffer.from([0xff, 0xe1]), Buffer.alloc(2), body]);
    seg.writeUInt16BE(r.next() < 0.8 ? body.length + 2 : r.pick([2, 0xffff, body.length + 10]), 2);
    return Buffer.concat([b.subarray(0, 2), seg, b.subarray(2)]);
  },
  xmpApp1: (b, r) => {
    const v = r.pick(['6', '0', '9', '-1', '', '<', '7e0']);
    const body = Buffer.from(`http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><rdf:Description tiff:Orientation="${v}"/></x:xmpmeta>`, 'latin1');
    const seg = Buffer.concat([Buffer.from([0xff, 0xe1]), Buffer.alloc(2), body]);
    seg.writeUInt16BE(body.length + 2, 2);
    return Buffer.concat([b.subarray(0, 2), seg, b.subarray(2)]);
  },
  adobeApp14: (b, r) => {
    const body = Buffer.concat([Buffer.from('Adobe', 'latin1'), r.bytes(r.pick([0, 3, 7]))]);
    const seg = Buffer.concat([Buffer.from([0xff, 0xee]), Buffer.alloc(2), body]);
    seg.writeUInt16BE(body.length + 2, 2);
    return Buffer.concat([b.subarray(0, 2), seg, b.subarray(2)]);
  },
};
