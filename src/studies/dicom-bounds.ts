import * as dicomParser from 'dicom-parser';

/**
 * The first element (of the dataset or any sequence item in it) whose value runs past the end of
 * the file, or null when every value lies within it.
 *
 * dicom-parser keeps such an element (a file cut inside an implicit-VR value, say) and its
 * accessors then throw a bare string ("readUint16: attempt to read past end of buffer") at the first
 * read of it, answered as a 500; checked once here, after parsing, every later read is in bounds.
 * The walk visits what dicom-parser built, which countDicomEntries has already bounded.
 *
 * Top-level Pixel Data is left to the pixel decoder, which names a cut-off frame itself ("the pixel
 * data is truncated"). What the parser found after it at the top level is trailing bytes, not part
 * of the image: such an element running past the end is dropped, not refused — pydicom reads those
 * files too (88 of 522 mutated files both could read were refused before this).
 */
export function elementPastEnd(ds: dicomParser.DataSet): string | null {
  const end = ds.byteArray.length;
  const pixel = ds.elements.x7fe00010;
  const pixelEnd = pixel ? pixel.dataOffset + pixel.length : Infinity;
  const walk = (d: dicomParser.DataSet, top: boolean): string | null => {
    for (const [tag, e] of Object.entries(d.elements)) {
      if (top && e === pixel) continue;
      if (e.dataOffset + e.length > end) {
        if (!(top && e.dataOffset >= pixelEnd)) return tag;
        delete d.elements[tag];
        continue;
      }
      for (const it of e.items ?? []) {
        const inner = it.dataSet ? walk(it.dataSet, false) : null;
        if (inner) return inner;
      }
    }
    return null;
  };
  return walk(ds, true);
}

/**
 * dicomParser.parseDicom, except that bytes after a complete Pixel Data element that do not parse
 * (trailing garbage, a stray pad byte, an element cut off at the end) leave the file readable: the
 * parser throws there, with what it had read, and that already holds the image. pydicom reads such
 * files; of 8,000 mutated files it could decode, 276 were refused here for a "buffer overrun" after
 * the pixels. The meta group is merged in as parseDicom would have; elementPastEnd then drops a
 * trailing element cut off by the end.
 */
export function parseDicomThroughPixels(bytes: Uint8Array, options: dicomParser.ParseDicomOptions): dicomParser.DataSet {
  try {
    return dicomParser.parseDicom(bytes, options);
  } catch (err) {
    // the parser throws { exception, dataSet } from the dataset, and strings or Errors before it
    const partial = (err as { dataSet?: dicomParser.DataSet } | null)?.dataSet;
    if (!partial?.elements?.x7fe00010) throw err;
    const meta = dicomParser.readPart10Header(bytes);
    for (const [tag, e] of Object.entries(meta.elements)) partial.elements[tag] = e;
    return partial;
  }
}

/**
 * Tags read as text (strings, decimal and integer strings) where the reader reads them, other than
 * the identifiers and description (dicom-text.ts decodes those itself, and dicom.ts bounds them).
 */
const TEXT_TAGS = new Set([
  'x00020002', 'x00020010', 'x00080005', 'x00080008', 'x00080018', 'x00080060', 'x00180015', 'x00180050', 'x0020000e', 'x00200011',
  'x00200013', 'x00200032', 'x00200037', 'x00280004', 'x00280008', 'x00280030', 'x00281050', 'x00281051', 'x00281052', 'x00281053', 'x00281056',
]);
/** Far above any valid value of those tags (UI 64 bytes; CS, DS, IS 16 or 12 per value, a few values). */
export const MAX_TEXT_VALUE_BYTES = 1024;
/** Shared (5200,9229) and Per-frame (5200,9230) Functional Groups: functional-groups.ts reads the first item of each macro in their items */
const FUNCTIONAL_GROUPS = ['x52009229', 'x52009230'];

/**
 * The first of those tags whose value is longer than MAX_TEXT_VALUE_BYTES where the reader reads
 * it, or null. dicom-parser builds a string one character at a time and splits a multi-valued one
 * again for every value read: a 4 MB Image Orientation of "1.5\" held the event loop 2.9 s, any
 * 4 MB value read ~0.3 s, so a 100 MB study of them would hold it for a minute. Checked where they
 * are read — the top level, and the first item of each macro sequence in a functional-group item
 * (dicom.ts, functional-groups.ts) — and nowhere else: a value that is never read costs nothing
 * (dicom-parser builds strings only when asked), and a valid file whose long text sat in an
 * unrelated sequence (a referenced image's, a private one) was refused whole.
 */
export function overlongTextValue(ds: dicomParser.DataSet): string | null {
  const overlong = (d: dicomParser.DataSet | undefined): string | null => {
    for (const [tag, e] of Object.entries(d?.elements ?? {})) if (e.length > MAX_TEXT_VALUE_BYTES && TEXT_TAGS.has(tag)) return tag;
    return null;
  };
  const top = overlong(ds);
  if (top) return top;
  for (const seq of FUNCTIONAL_GROUPS) {
    for (const group of ds.elements[seq]?.items ?? []) {
      for (const macro of Object.values(group.dataSet?.elements ?? {})) {
        const found = overlong(macro.items?.[0]?.dataSet);
        if (found) return found;
      }
    }
  }
  return null;
}

/**
 * Characters of each identifier and of the description kept for scrubDescription, whose work is
 * tokens × length: a description (LO) holds 64, a name (PN) about 200, but a 3 MB file with a
 * 128,000-part name and a 2 MB description held the event loop for 16 s (quadratic in the file).
 */
const MAX_TEXT_CHARS = 1024;
/** …without a word cut in two at the end: a name's first letters would not match its token and be shown */
export const bounded = (v: string | null | undefined) => (!v || v.length <= MAX_TEXT_CHARS ? v ?? null : v.slice(0, MAX_TEXT_CHARS).replace(/[^\s^=,._\\/-]*$/, ''));
