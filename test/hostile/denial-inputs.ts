/**
 * Issue 11 — inputs that once stopped the whole service, built here byte by byte (nothing is
 * committed): a tiny DICOM declaring 10^8 frames (F1) and ZIPs made of many empty entries (F3).
 */
import * as zlib from 'node:zlib';

/** One explicit-VR little-endian data element. */
function element(group: number, elem: number, vr: string, value: Buffer): Buffer {
  const long = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(elem, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

const even = (s: string) => Buffer.from(s.length % 2 ? `${s} ` : s, 'latin1');
const evenUid = (s: string) => Buffer.from(s.length % 2 ? `${s}\0` : s, 'latin1');
const us = (v: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v, 0);
  return b;
};

/** A sequence with one empty item (defined lengths). */
function sequenceWithEmptyItem(group: number, elem: number): Buffer {
  const itemHead = Buffer.alloc(8);
  itemHead.writeUInt16LE(0xfffe, 0);
  itemHead.writeUInt16LE(0xe000, 2);
  itemHead.writeUInt32LE(0, 4);
  return element(group, elem, 'SQ', itemHead);
}

/**
 * The red team's F1 file: Part 10, explicit VR LE, MR, 8×8 16-bit, NumberOfFrames as given,
 * an empty Shared Functional Groups sequence (the Enhanced-MR path) and 128 bytes of pixels.
 * With 100000000 frames it is ~500 bytes and used to freeze the event loop for ~40 s, then
 * exhaust the heap.
 */
export function dicomDeclaringFrames(frames: number): Buffer {
  const meta = Buffer.concat([
    element(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    element(0x0002, 0x0002, 'UI', evenUid('1.2.840.10008.5.1.4.1.1.4.1')),
    element(0x0002, 0x0003, 'UI', evenUid('1.2.3.4')),
    element(0x0002, 0x0010, 'UI', evenUid('1.2.840.10008.1.2.1')),
  ]);
  const groupLength = element(0x0002, 0x0000, 'UL', Buffer.from(Uint32Array.of(meta.length).buffer));
  const body = Buffer.concat([
    element(0x0008, 0x0060, 'CS', even('MR')),
    element(0x0020, 0x000e, 'UI', evenUid('1.2.3.4.5')),
    element(0x0028, 0x0002, 'US', us(1)),
    element(0x0028, 0x0004, 'CS', even('MONOCHROME2')),
    element(0x0028, 0x0008, 'IS', even(String(frames))),
    element(0x0028, 0x0010, 'US', us(8)),
    element(0x0028, 0x0011, 'US', us(8)),
    element(0x0028, 0x0100, 'US', us(16)),
    element(0x0028, 0x0101, 'US', us(16)),
    element(0x0028, 0x0103, 'US', us(0)),
    sequenceWithEmptyItem(0x5200, 0x9229),
    element(0x7fe0, 0x0010, 'OW', Buffer.alloc(128)),
  ]);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), groupLength, meta, body]);
}

interface ZipEntry {
  name: string;
  data: Buffer;
}

/**
 * A stored ZIP of the given entries. `declare` overrides the entry count written in the end
 * record (a lying directory); `zip64` writes a ZIP64 end record carrying the count, as real
 * archives with more than 65,535 entries do.
 */
export function storedZip(entries: ZipEntry[], opts: { declare?: number; zip64?: boolean } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const crc = zlib.crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += 30 + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const count = opts.declare ?? entries.length;
  const tail: Buffer[] = [];
  if (opts.zip64) {
    const z64 = Buffer.alloc(56);
    z64.writeUInt32LE(0x06064b50, 0);
    z64.writeBigUInt64LE(44n, 4);
    z64.writeUInt16LE(45, 12);
    z64.writeUInt16LE(45, 14);
    z64.writeBigUInt64LE(BigInt(count), 24);
    z64.writeBigUInt64LE(BigInt(count), 32);
    z64.writeBigUInt64LE(BigInt(cd.length), 40);
    z64.writeBigUInt64LE(BigInt(offset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(offset + cd.length), 8);
    loc.writeUInt32LE(1, 16);
    tail.push(z64, loc);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(opts.zip64 ? 0xffff : count & 0xffff, 8);
  end.writeUInt16LE(opts.zip64 ? 0xffff : count & 0xffff, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, ...tail, end]);
}

/** n empty `.txt` entries — skipped as "not image data", which is why they once went uncounted. */
export function emptyTextEntries(n: number): ZipEntry[] {
  return Array.from({ length: n }, (_, i) => ({ name: `notes/${i}.txt`, data: Buffer.alloc(0) }));
}
