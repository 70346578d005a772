/**
 * Colour DICOM fixtures built in memory: one image stored as RGB, YBR_FULL, YBR_FULL_422,
 * YBR_PARTIAL_422 or PALETTE COLOR — uncompressed (Planar Configuration 0 or 1), RLE Lossless,
 * JPEG-LS, JPEG 2000 or HTJ2K — the way a secondary capture or screen grab in an MRI archive is
 * stored: no patient geometry. Synthetic pixels only.
 */
import { El, el, part10 } from './dicom-pixel-fixtures';
import { rleEncode8 } from './rle-fixtures';

export const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
export const RLE = '1.2.840.10008.1.2.5';
export const JPEG_LS = '1.2.840.10008.1.2.4.80';
export const J2K = '1.2.840.10008.1.2.4.90';
export const HTJ2K = '1.2.840.10008.1.2.4.201';

/** An 8-bit RGB image, interleaved. */
export interface Rgb {
  width: number;
  height: number;
  data: Uint8Array;
}

export const greyToRgb = (g: Uint8Array): Uint8Array => Uint8Array.from({ length: g.length * 3 }, (_, k) => g[Math.floor(k / 3)]);

/** The image header of a colour secondary capture (no position or orientation), with its pixel data element. */
export function colourDicom(o: {
  width: number;
  height: number;
  photometric: string;
  pixelData: El;
  bitsAllocated?: number;
  bitsStored?: number;
  planar?: number | null;
  pixelRepresentation?: 0 | 1;
  transferSyntax?: string;
  extra?: El[];
  omit?: number[];
}): Buffer {
  const ba = o.bitsAllocated ?? 8;
  const samples = o.photometric === 'PALETTE COLOR' ? 1 : 3;
  const ds: El[] = [
    el.str(0x00080016, 'UI', SECONDARY_CAPTURE),
    el.str(0x00080018, 'UI', '1.2.826.0.1.3680043.8.498.4242'),
    el.str(0x00080060, 'CS', 'MR'),
    el.str(0x0020000e, 'UI', '1.2.826.0.1.3680043.8.498.4243'),
    el.is(0x00200013, 1),
    el.us(0x00280002, samples),
    el.str(0x00280004, 'CS', o.photometric),
    ...(samples === 3 && o.planar !== null ? [el.us(0x00280006, o.planar ?? 0)] : []),
    el.us(0x00280010, o.height),
    el.us(0x00280011, o.width),
    el.us(0x00280100, ba),
    el.us(0x00280101, o.bitsStored ?? ba),
    el.us(0x00280102, (o.bitsStored ?? ba) - 1),
    el.us(0x00280103, o.pixelRepresentation ?? 0),
    o.pixelData,
  ];
  const extra = o.extra ?? [];
  const kept = ds.filter((d) => !extra.some((e) => e.tag === d.tag) && !o.omit?.includes(d.tag));
  return part10([...kept, ...extra], o.transferSyntax);
}

export const ob = (b: Uint8Array): El => el.bytes(0x7fe00010, 'OB', b);

/** RGB → the samples YBR_FULL stores (PS3.3 C.7.6.3.1.2), rounded. */
export function rgbToYbrFull(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length);
  const c = (v: number) => Math.min(255, Math.max(0, Math.round(v)));
  for (let i = 0; i < rgb.length; i += 3) {
    const [r, g, b] = [rgb[i], rgb[i + 1], rgb[i + 2]];
    out[i] = c(0.299 * r + 0.587 * g + 0.114 * b);
    out[i + 1] = c(-0.168736 * r - 0.331264 * g + 0.5 * b + 128);
    out[i + 2] = c(0.5 * r - 0.418688 * g - 0.081312 * b + 128);
  }
  return out;
}

/** RGB → the samples YBR_PARTIAL_422 stores before subsampling (PS3.3 C.7.6.3.1.2: Y 16–235, Cb and Cr 16–240), rounded. */
export function rgbToYbrPartial(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length);
  const c = (v: number) => Math.min(255, Math.max(0, Math.round(v)));
  for (let i = 0; i < rgb.length; i += 3) {
    const [r, g, b] = [rgb[i], rgb[i + 1], rgb[i + 2]];
    out[i] = c(0.2568 * r + 0.5041 * g + 0.0979 * b + 16);
    out[i + 1] = c(-0.1482 * r - 0.291 * g + 0.4392 * b + 128);
    out[i + 2] = c(0.4392 * r - 0.3678 * g - 0.0714 * b + 128);
  }
  return out;
}

/** Interleaved 3-sample pixels as three planes (Planar Configuration 1). */
export function toPlanes(px: Uint8Array): Uint8Array {
  const n = px.length / 3;
  const out = new Uint8Array(px.length);
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) out[k * n + i] = px[3 * i + k];
  return out;
}

/** Y Cb Cr pixels (interleaved) stored 4:2:2 (PS3.3 C.7.6.3.1.2): per pair of columns Y1 Y2 Cb Cr, the chroma of the pair averaged. */
export function toPairs(ycc: Uint8Array): Uint8Array {
  const n = ycc.length / 3;
  const out = new Uint8Array(n * 2);
  for (let p = 0; p < n / 2; p++) {
    const [a, b] = [3 * 2 * p, 3 * (2 * p + 1)];
    out.set([ycc[a], ycc[b], Math.round((ycc[a + 1] + ycc[b + 1]) / 2), Math.round((ycc[a + 2] + ycc[b + 2]) / 2)], 4 * p);
  }
  return out;
}

/** RLE Lossless pixel data of one 8-bit colour frame (samples interleaved in `px`). */
export function rleColour(px: Uint8Array): El {
  const planes = toPlanes(px);
  const n = px.length / 3;
  return el.encapsulated([rleEncode8([0, 1, 2].map((k) => planes.subarray(k * n, (k + 1) * n)))]);
}

/** A palette's three descriptors and tables: `lut[c][i]` the entry i of channel c; `bits` 8 or 16; 8-bit entries packed a byte each unless `wordsFor8`. */
export function paletteElements(lut: [number[], number[], number[]], o: { first?: number; bits?: 8 | 16; wordsFor8?: boolean; entriesField?: number } = {}): El[] {
  const bits = o.bits ?? 16;
  const entries = lut[0].length;
  const out: El[] = [];
  lut.forEach((table, c) => {
    out.push(el.us(0x00281101 + c, o.entriesField ?? (entries === 65536 ? 0 : entries), o.first ?? 0, bits));
    let data: Buffer;
    if (bits === 8 && !o.wordsFor8) data = Buffer.from(table);
    else {
      data = Buffer.alloc(2 * entries);
      table.forEach((v, i) => data.writeUInt16LE(v, 2 * i));
    }
    out.push(el.bytes(0x00281201 + c, 'OW', data));
  });
  return out;
}

/** A grey ramp palette of 256 entries: index v → (v, v, v), as 16-bit entries (v × 257) or 8-bit ones. */
export function greyRamp(bits: 8 | 16 = 16): [number[], number[], number[]] {
  const t = Array.from({ length: 256 }, (_, v) => (bits === 16 ? v * 257 : v));
  return [t, t, t];
}

/** Segments of a segmented palette table (PS3.3 C.7.9.2), as the units they are written in: words for 16-bit entries, bytes for 8-bit ones. */
export const seg = {
  discrete: (...values: number[]): number[] => [0, values.length, ...values],
  linear: (length: number, y1: number): number[] => [1, length, y1],
  /** copy `count` segments from the one `offset` bytes into the data; the offset least significant word first (bytes: little endian) */
  indirect: (count: number, offset: number, bits: 8 | 16 = 16): number[] =>
    bits === 16 ? [2, count, offset & 0xffff, offset >>> 16] : [2, count, offset & 0xff, (offset >> 8) & 0xff, (offset >> 16) & 0xff, offset >>> 24],
};

/** A segmented palette: the three descriptors and Segmented Red/Green/Blue Palette Color Lookup Table Data (0028,1221–1223), no plain tables. */
export function segmentedPaletteElements(tables: [number[][], number[][], number[][]], o: { entries: number; first?: number; bits?: 8 | 16 }): El[] {
  const bits = o.bits ?? 16;
  const out: El[] = [];
  tables.forEach((segments, c) => {
    out.push(el.us(0x00281101 + c, o.entries === 65536 ? 0 : o.entries, o.first ?? 0, bits));
    const units = segments.flat();
    let data: Buffer;
    if (bits === 8) data = Buffer.from([...units, ...(units.length % 2 ? [0] : [])]);
    else {
      data = Buffer.alloc(2 * units.length);
      units.forEach((v, i) => data.writeUInt16LE(v, 2 * i));
    }
    out.push(el.bytes(0x00281221 + c, 'OW', data));
  });
  return out;
}
