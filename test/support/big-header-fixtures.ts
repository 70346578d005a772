import * as zlib from 'node:zlib';

/**
 * A large, valid DICOM header: a private sequence (0009,1010) of `n` items, each holding one LO
 * element (2 entries an item), inserted before the top-level Pixel Data of an explicit-VR
 * little-endian `file` — what Enhanced MR, a big DICOMDIR or a hostile file makes the reader parse.
 */
export function bigHeader(file: Buffer, n: number): Buffer {
  const item = Buffer.from([0xfe, 0xff, 0x00, 0xe0, 12, 0, 0, 0, 0x09, 0x00, 0x11, 0x10, 0x4c, 0x4f, 4, 0, 0x41, 0x42, 0x43, 0x44]);
  const items = Buffer.concat(Array<Buffer>(n).fill(item));
  const head = Buffer.from([0x09, 0x00, 0x10, 0x10, 0x53, 0x51, 0, 0, 0, 0, 0, 0]);
  head.writeUInt32LE(items.length, 8);
  // (7FE0,0010) OW: the last one is the top-level Pixel Data
  const at = file.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57]));
  if (at < 0) throw new Error('no Pixel Data element');
  return Buffer.concat([file.subarray(0, at), head, items, file.subarray(at)]);
}

/** `file` (its meta naming Deflated Explicit VR Little Endian) with the data set after the meta group raw-deflated (PS3.5 A.5). */
export function deflatedDicom(file: Buffer): Buffer {
  const metaEnd = 132 + 12 + file.readUInt32LE(132 + 8);
  return Buffer.concat([file.subarray(0, metaEnd), zlib.deflateRawSync(file.subarray(metaEnd))]);
}
