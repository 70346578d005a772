import type * as dicomParser from 'dicom-parser';
import { expandSegments } from './palette-segments';

/*
 * The Palette Color Lookup Tables of a PALETTE COLOR image (PS3.3 C.7.6.3.1.5–6, C.7.9), read from
 * the header when the file declares that interpretation. What cannot be read is kept as a problem
 * (not thrown here), so that pixelFormat (series-assembly.ts) refuses the file in its order of
 * checks: a missing Photometric Interpretation or Bits Allocated is named before the palette is.
 */

/** Every entry fits 16 bits of index: the descriptor's count is a US, 0 meaning 2^16. */
export const MAX_PALETTE_ENTRIES = 65536;

/** The three tables, each scaled to 8 bits (what the RGB the pipeline reads holds), one entry per index from `first`. */
export interface PaletteLut {
  /** the stored pixel value mapped to entry 0; values below map to it, values past the last entry to the last */
  first: number;
  red: Uint8Array;
  green: Uint8Array;
  blue: Uint8Array;
}

/** Why a palette cannot be read: nothing a valid file has (422). */
export interface PaletteProblem {
  problem: 'invalid';
  what: string;
}

const CHANNELS = [
  ['Red', 'x00281101', 'x00281201', 'x00281221'],
  ['Green', 'x00281102', 'x00281202', 'x00281222'],
  ['Blue', 'x00281103', 'x00281203', 'x00281223'],
] as const;

interface Descriptor {
  entries: number;
  first: number;
  bits: number;
}

/**
 * The palette of a PALETTE COLOR dataset. The three descriptors must agree (entries, first value
 * mapped, 8 or 16 bits per entry); each table's data must hold exactly that many entries — 16-bit
 * entries in words, 8-bit ones packed one a byte or one a word (both are written; pydicom reads both
 * by the length). A table given as Segmented Palette Color Lookup Table Data (0028,1221–1223), which
 * older ultrasound writers use, is expanded to the same entries (palette-segments.ts). 16-bit entries
 * become 8-bit by their high byte, as DCMTK shows them.
 */
export function readPalette(ds: dicomParser.DataSet, pixelRepresentation: number, bigEndian: boolean): PaletteLut | PaletteProblem {
  const descriptors: Descriptor[] = [];
  for (const [name, descTag, , segTag] of CHANNELS) {
    const el = ds.elements[descTag];
    if (!el) {
      return invalid(`PALETTE COLOR without a ${name} Palette Color Lookup Table Descriptor`);
    }
    if (el.length !== 6) return invalid(`a ${name} Palette Color Lookup Table Descriptor of ${el.length} bytes (3 values of 2 bytes)`);
    const raw = [0, 1, 2].map((i) => ds.uint16(descTag, i) ?? 0);
    // the first value mapped is US or SS as the pixel values are (PS3.3 C.7.6.3.1.5)
    const first = pixelRepresentation === 1 && raw[1] >= 0x8000 ? raw[1] - 0x10000 : raw[1];
    descriptors.push({ entries: raw[0] || MAX_PALETTE_ENTRIES, first, bits: raw[2] });
  }
  const d = descriptors[0];
  if (descriptors.some((o) => o.entries !== d.entries || o.first !== d.first || o.bits !== d.bits)) {
    return invalid('Red, Green and Blue Palette Color Lookup Table Descriptors that differ (the standard has them identical)');
  }
  if (d.bits !== 8 && d.bits !== 16) return invalid(`palette entries of ${d.bits} bits (8 or 16)`);
  const tables: Uint8Array[] = [];
  for (const [name, , dataTag, segTag] of CHANNELS) {
    const el = ds.elements[dataTag];
    const seg = el ? undefined : ds.elements[segTag];
    if (!el && !seg) return invalid(`PALETTE COLOR without ${name} Palette Color Lookup Table Data`);
    const table = el ? readTable(ds.byteArray, el.dataOffset, el.length, d, bigEndian) : readSegmented(ds.byteArray, seg!.dataOffset, seg!.length, d, bigEndian);
    if (typeof table === 'string') return invalid(`${el ? '' : 'Segmented '}${name} Palette Color Lookup Table Data ${table}`);
    tables.push(table);
  }
  return { first: d.first, red: tables[0], green: tables[1], blue: tables[2] };
}

/** One table's entries as 8-bit values, or why its data do not fit its descriptor. */
function readTable(bytes: Uint8Array, offset: number, length: number, d: Descriptor, bigEndian: boolean): Uint8Array | string {
  const { entries, bits } = d;
  // checked against the count before anything is allocated or looped over; the element lies within the file (dicom.ts elementPastEnd)
  const packed = bits === 8 && (length === entries || (entries % 2 === 1 && length === entries + 1));
  if (!packed && length !== 2 * entries) {
    return `of ${length} bytes, not the ${bits === 8 ? `${entries} or ${2 * entries}` : 2 * entries} that ${entries} entries of ${bits} bits take`;
  }
  if (offset + length > bytes.length) return 'cut short';
  const out = new Uint8Array(entries);
  if (packed) {
    // bytes of an OW value: a big-endian file stores each pair swapped
    for (let i = 0; i < entries; i++) out[i] = bytes[offset + (bigEndian ? i ^ 1 : i)];
    return out;
  }
  const word = (i: number) => (bigEndian ? (bytes[offset + 2 * i] << 8) | bytes[offset + 2 * i + 1] : bytes[offset + 2 * i] | (bytes[offset + 2 * i + 1] << 8));
  for (let i = 0; i < entries; i++) {
    const v = word(i);
    if (bits === 8 && v > 255) return `holding ${v} in an 8-bit entry (entry ${i})`;
    out[i] = bits === 8 ? v : v >> 8; // the high byte, as DCMTK shows 16-bit entries (65,535 → 255, v × 257 → v)
  }
  return out;
}

/** A segmented table's entries as 8-bit values: its words (16-bit entries) or bytes (8-bit ones) expanded, or why they cannot be. */
function readSegmented(bytes: Uint8Array, offset: number, length: number, d: Descriptor, bigEndian: boolean): Uint8Array | string {
  if (offset + length > bytes.length) return 'cut short';
  if (length % 2) return `of ${length} bytes (an OW value fills words)`;
  const wide = d.bits === 16;
  // bytes of an OW value: a big-endian file stores each pair swapped (as readTable)
  const units = wide
    ? Uint16Array.from({ length: length / 2 }, (_, i) => (bigEndian ? (bytes[offset + 2 * i] << 8) | bytes[offset + 2 * i + 1] : bytes[offset + 2 * i] | (bytes[offset + 2 * i + 1] << 8)))
    : Uint8Array.from({ length }, (_, i) => bytes[offset + (bigEndian ? i ^ 1 : i)]);
  const values = expandSegments(units, d.entries, wide);
  if (typeof values === 'string') return values;
  return wide ? Uint8Array.from(values, (v) => v >> 8) : Uint8Array.from(values);
}

const invalid = (what: string): PaletteProblem => ({ problem: 'invalid', what });

export const isPaletteProblem = (p: PaletteLut | PaletteProblem): p is PaletteProblem => 'problem' in p;
