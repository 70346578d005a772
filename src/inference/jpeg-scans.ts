/**
 * How many scans (SOS segments) a JPEG holds, read from its marker structure without decoding.
 * A progressive JPEG can hold thousands of tiny successive-approximation scans that each cost
 * libvips a pass over the whole image: 433 kB with ~2,650 of them took 19 s of CPU at 40 MP, and
 * a native decode cannot be interrupted. Normal progressive JPEGs have about 10 scans.
 */
export const MAX_JPEG_SCANS = 128;

/** Scans counted up to `stopAfter` + 1 (enough to refuse); a truncated or odd file just ends the count. */
export function countJpegScans(bytes: Uint8Array, stopAfter = MAX_JPEG_SCANS): number {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return 0;
  let scans = 0;
  let i = 2;
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return scans; // not at a marker: the structure ends here
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte before a marker
      continue;
    }
    if (marker === 0xd9) return scans; // EOI
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2; // markers without a length
      continue;
    }
    const length = b.readUInt16BE(i + 2);
    i += 2 + length;
    if (marker !== 0xda) continue;
    if (++scans > stopAfter) return scans;
    // entropy-coded data: a 0xFF inside it is followed by 0x00 (stuffing) or a restart marker
    for (let j = b.indexOf(0xff, i); ; j = b.indexOf(0xff, j + 1)) {
      if (j < 0 || j + 1 >= b.length) return scans;
      const next = b[j + 1];
      if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7)) {
        i = j;
        break;
      }
    }
  }
  return scans;
}
