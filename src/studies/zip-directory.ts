import { CorruptStudyError, FilePosition, fileLabel, TooManyFilesError } from './study-errors';

/** One entry as the archive's central directory describes it (ZIP64 fields resolved). */
export interface ZipEntry {
  name: string;
  /** general-purpose flags: bit 0 encrypted, bit 6 strong encryption */
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** offset of the entry's data (after its local header) in the archive */
  dataStart: number;
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const U16 = 0xffff;
const U32 = 0xffffffff;

interface EndRecord {
  total: number;
  cdOffset: number;
  cdSize: number;
}

/**
 * The end-of-central-directory record, searched backwards over at most a maximal comment
 * (64 KiB, so the search is bounded whatever the archive holds). A candidate counts only when
 * its comment length reaches no further than the archive and its directory lies before it: the
 * bytes "PK\5\6" inside a comment are not taken for the record (a comment made of them made a
 * 4-entry archive look like 19,280 entries). ZIP64 fields are read where the classic ones are
 * saturated. Null: no record (not a ZIP, or cut off).
 */
export function findEndRecord(b: Uint8Array): EndRecord | null {
  // a record whose comment length overruns the archive is taken only when no record fits
  return endRecord(b, true) ?? endRecord(b, false);
}

function endRecord(b: Uint8Array, commentFits: boolean): EndRecord | null {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const lowest = Math.max(0, b.length - 22 - U16);
  for (let at = b.length - 22; at >= lowest; at--) {
    if (dv.getUint32(at, true) !== EOCD) continue;
    if (commentFits && at + 22 + dv.getUint16(at + 20, true) > b.length) continue;
    let total = dv.getUint16(at + 10, true);
    let cdSize = dv.getUint32(at + 12, true);
    let cdOffset = dv.getUint32(at + 16, true);
    const loc = at - 20;
    if ((total === U16 || cdSize === U32 || cdOffset === U32) && loc >= 0 && dv.getUint32(loc, true) === EOCD64_LOCATOR) {
      const z64 = Number(dv.getBigUint64(loc + 8, true));
      if (z64 + 56 <= loc && dv.getUint32(z64, true) === EOCD64) {
        total = Number(dv.getBigUint64(z64 + 32, true));
        cdSize = Number(dv.getBigUint64(z64 + 40, true));
        cdOffset = Number(dv.getBigUint64(z64 + 48, true));
      }
    }
    if (cdOffset + cdSize > at) continue; // a directory after its own end record: not the record
    return { total, cdOffset, cdSize };
  }
  return null;
}

/**
 * Every entry of the archive from its central directory — the record every unzip tool reads,
 * which alone holds the sizes and CRC of entries written with data descriptors — checked against
 * each entry's local header. The declared entry count is checked first, before any entry is
 * read. Names are never logged or stored; a skipped side file's is shown to the uploader only,
 * as its sanitised base name (skipped-files.ts).
 */
export function readZipDirectory(b: Uint8Array, file: FilePosition, maxEntries: number): ZipEntry[] {
  const corrupt = (what: string) => new CorruptStudyError(`The ZIP archive (${fileLabel(file)}) is corrupt or truncated: ${what}.`);
  const end = findEndRecord(b);
  if (!end) throw corrupt('its central directory (the list of its files, at its end) is missing');
  if (end.total > maxEntries) throw new TooManyFilesError(maxEntries, 'archive');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const entries: ZipEntry[] = [];
  const cdEnd = end.cdOffset + end.cdSize;
  let at = end.cdOffset;
  // Every record the directory holds counts, also past an end record that declares fewer: a
  // count that lies low does not let 20,000 entries through (they are 413 like honest ones).
  for (let i = 0; i < end.total || at < cdEnd; i++) {
    if (i >= maxEntries) throw new TooManyFilesError(maxEntries, 'archive');
    if (at + 46 > b.length || dv.getUint32(at, true) !== CENTRAL) throw corrupt(`directory entry ${i + 1} is missing`);
    const nameLength = dv.getUint16(at + 28, true);
    const extraLength = dv.getUint16(at + 30, true);
    const next = at + 46 + nameLength + extraLength + dv.getUint16(at + 32, true);
    if (next > b.length) throw corrupt(`directory entry ${i + 1} is cut off`);
    const nameBytes = b.subarray(at + 46, at + 46 + nameLength);
    const wide = zip64Fields(dv, at + 46 + nameLength, extraLength, {
      size: dv.getUint32(at + 24, true),
      compressedSize: dv.getUint32(at + 20, true),
      offset: dv.getUint32(at + 42, true),
    });
    const local = wide.offset;
    if (local + 30 > b.length || dv.getUint32(local, true) !== LOCAL) throw corrupt(`entry ${i + 1} has no local header where its directory entry points`);
    const dataStart = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    if (dataStart + wide.compressedSize > b.length) throw corrupt(`entry ${i + 1} is cut off`);
    entries.push({
      name: dv.getUint16(at + 8, true) & 0x800 ? new TextDecoder('utf-8').decode(nameBytes) : cp437(nameBytes),
      flags: dv.getUint16(at + 8, true),
      method: dv.getUint16(at + 10, true),
      crc: dv.getUint32(at + 16, true),
      compressedSize: wide.compressedSize,
      size: wide.size,
      dataStart,
    });
    at = next;
  }
  if (entries.length !== end.total) throw corrupt(`its directory holds ${entries.length} entries where its end record says ${end.total}`);
  return entries;
}

/** The ZIP64 extended-information extra field (0x0001): 8-byte values for the saturated fields, in this order. */
function zip64Fields(dv: DataView, start: number, length: number, v: { size: number; compressedSize: number; offset: number }): typeof v {
  for (let p = start; p + 4 <= start + length; ) {
    const id = dv.getUint16(p, true);
    const size = dv.getUint16(p + 2, true);
    if (id === 0x0001) {
      let q = p + 4;
      const wide = (n: number): number => {
        if (n !== U32 || q + 8 > p + 4 + size) return n;
        const w = Number(dv.getBigUint64(q, true));
        q += 8;
        return w;
      };
      const size64 = wide(v.size);
      const compressed64 = wide(v.compressedSize);
      return { size: size64, compressedSize: compressed64, offset: wide(v.offset) };
    }
    p += 4 + size;
  }
  return v;
}

/** Code page 437's upper half (0x80–0xFF). */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

/**
 * A name without the UTF-8 flag, in the code page the ZIP format names (APPNOTE D.1) and Windows'
 * own ZIP writer uses. Read as Latin-1, "MÜLLER_brief.txt" (Ü = 0x9A) no longer matched the
 * patient's name in the header and was shown as "M_LLER_brief.txt" (skipped-files.ts).
 */
export function cp437(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return s;
}
