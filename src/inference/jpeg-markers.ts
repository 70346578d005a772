/** One marker segment with a length field: its marker, where its body starts, and where it ends (may be past the bytes). */
export interface JpegSegment {
  marker: number;
  body: number;
  length: number;
  end: number;
}

/**
 * Walks a JPEG's marker segments from SOI without decoding anything, calling `visit` for each
 * segment that has a length (APPn, DQT, SOFn, DHT, SOS…) until it returns false, EOI, or the bytes
 * stop being markers. After an SOS the entropy-coded data is skipped to the next marker. The one
 * walker behind the checks made before a decode (jpeg-scans.ts, jpeg-frame.ts).
 */
export function walkJpegSegments(b: Uint8Array, visit: (s: JpegSegment) => boolean): void {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return;
  let i = 2;
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return; // not at a marker: the structure ends here
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte before a marker
      continue;
    }
    if (marker === 0xd9) return; // EOI
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2; // markers without a length
      continue;
    }
    const length = (b[i + 2] << 8) | b[i + 3];
    if (length < 2) return; // a length counts its own two bytes: anything less is not a JPEG any more
    if (!visit({ marker, body: i + 4, length, end: i + 2 + length })) return;
    i += 2 + length;
    if (marker !== 0xda) continue;
    // entropy-coded data: a 0xFF inside it is followed by 0x00 (stuffing) or a restart marker
    for (let j = b.indexOf(0xff, i); ; j = b.indexOf(0xff, j + 1)) {
      if (j < 0 || j + 1 >= b.length) return;
      const next = b[j + 1];
      if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7)) {
        i = j;
        break;
      }
    }
  }
}
