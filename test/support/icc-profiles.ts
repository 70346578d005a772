import * as zlib from 'node:zlib';

/**
 * ICC profiles written by hand, and embedded by hand, so that a test can tag an image with a
 * profile libvips does not ship (a grey one) without touching the disk.
 */

const s15Fixed16 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(Math.round(v * 65536));
  return b;
};
const pad4 = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
const D50 = [0.9642, 1.0, 0.8249];

/** A minimal ICC v2 grey display profile (desc, wtpt, kTRC) whose tone curve is a pure gamma: 1.0 is linear light. */
export function greyIccProfile(gamma: number): Buffer {
  const text = Buffer.from(`Grey gamma ${gamma}\0`, 'latin1');
  const count = Buffer.alloc(4);
  count.writeUInt32BE(text.length);
  // textDescriptionType: ASCII part, then empty Unicode (4 + 4) and ScriptCode (2 + 1 + 67) parts
  const desc = Buffer.concat([Buffer.from('desc\0\0\0\0', 'latin1'), count, text, Buffer.alloc(78)]);
  const wtpt = Buffer.concat([Buffer.from('XYZ \0\0\0\0', 'latin1'), ...D50.map(s15Fixed16)]);
  const curv = Buffer.alloc(14);
  curv.write('curv', 0, 'latin1');
  curv.writeUInt32BE(1, 8); // one entry: a gamma as u8Fixed8
  curv.writeUInt16BE(Math.round(gamma * 256), 12);
  const tags: [string, Buffer][] = [['desc', pad4(desc)], ['wtpt', wtpt], ['kTRC', pad4(curv)]];
  const table = Buffer.alloc(4 + 12 * tags.length);
  table.writeUInt32BE(tags.length, 0);
  let offset = 128 + table.length;
  tags.forEach(([sig, data], i) => {
    table.write(sig, 4 + i * 12, 'latin1');
    table.writeUInt32BE(offset, 8 + i * 12);
    table.writeUInt32BE(data.length, 12 + i * 12);
    offset += data.length;
  });
  const header = Buffer.alloc(128);
  header.writeUInt32BE(offset, 0);
  header.writeUInt32BE(0x02100000, 8); // version 2.1
  header.write('mntrGRAYXYZ ', 12, 'latin1'); // display class, grey data, XYZ connection space
  header.write('acsp', 36, 'latin1');
  D50.map(s15Fixed16).forEach((b, i) => b.copy(header, 68 + 4 * i));
  return Buffer.concat([header, table, ...tags.map(([, d]) => d)]);
}

/** The JPEG with the profile in one APP2 ICC_PROFILE segment right after SOI. */
export function jpegWithIcc(jpeg: Buffer, icc: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from('ICC_PROFILE\0', 'latin1'), Buffer.from([1, 1]), icc]);
  const head = Buffer.from([0xff, 0xe2, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), head, body, jpeg.subarray(2)]);
}

/** The PNG with the profile in an iCCP chunk right after IHDR. */
export function pngWithIcc(png: Buffer, icc: Buffer): Buffer {
  const data = Buffer.concat([Buffer.from('icc\0\0', 'latin1'), zlib.deflateSync(icc)]);
  const typed = Buffer.concat([Buffer.from('iCCP', 'latin1'), data]);
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  typed.copy(chunk, 4);
  chunk.writeUInt32BE(zlib.crc32(typed), 8 + data.length);
  const ihdrEnd = 8 + 25; // signature + IHDR (4 length, 4 type, 13 data, 4 CRC)
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}
