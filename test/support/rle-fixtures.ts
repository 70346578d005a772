/** DICOM RLE Lossless pixel data (PS3.5 Annex G), encoded here by hand for the study fixtures. */

/** DICOM RLE Lossless of one 16-bit grey frame: header + MSB and LSB PackBits segments. */
export function rleEncode16(px: Uint16Array): Uint8Array {
  const msb = Uint8Array.from(px, (v) => v >> 8);
  const lsb = Uint8Array.from(px, (v) => v & 0xff);
  const segs = [packBits(msb), packBits(lsb)].map((s) => (s.length % 2 ? Uint8Array.from([...s, 0x80]) : s)); // even length (pad: no-op)
  const header = Buffer.alloc(64);
  header.writeUInt32LE(2, 0);
  header.writeUInt32LE(64, 4);
  header.writeUInt32LE(64 + segs[0].length, 8);
  return Uint8Array.from(Buffer.concat([header, Buffer.from(segs[0]), Buffer.from(segs[1])]));
}

/** DICOM RLE Lossless of one 8-bit frame of `planes.length` samples a pixel (R, G, B or Y, Cb, Cr): one PackBits segment per sample. */
export function rleEncode8(planes: Uint8Array[]): Uint8Array {
  const segs = planes.map(packBits).map((s) => (s.length % 2 ? Uint8Array.from([...s, 0x80]) : s));
  const header = Buffer.alloc(64);
  header.writeUInt32LE(segs.length, 0);
  let at = 64;
  segs.forEach((s, k) => {
    header.writeUInt32LE(at, 4 + 4 * k);
    at += s.length;
  });
  return Uint8Array.from(Buffer.concat([header, ...segs.map((s) => Buffer.from(s))]));
}

function packBits(b: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < b.length) {
    let run = 1;
    while (i + run < b.length && run < 128 && b[i + run] === b[i]) run++;
    if (run >= 2) {
      out.push(257 - run, b[i]); // −(run−1) as a byte
      i += run;
      continue;
    }
    let lit = 1;
    while (i + lit < b.length && lit < 128 && !(i + lit + 1 < b.length && b[i + lit] === b[i + lit + 1])) lit++;
    out.push(lit - 1, ...b.subarray(i, i + lit));
    i += lit;
  }
  return Uint8Array.from(out);
}
