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
