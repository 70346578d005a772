/*
 * A count of what dicom-parser would build for a file, taken before it builds anything.
 *
 * dicom-parser reads a whole dataset in one synchronous call and makes an object for every element,
 * every sequence item and every pixel-data fragment it meets. Each costs as little as 8 bytes of
 * file, so a 32 MB file of empty Per-frame Functional Groups items (NumberOfFrames 2) held the event
 * loop for 3.8 s and took 1 GB of heap before any check of ours could run; a 100 MB study would end
 * the process. This walk follows dicom-parser's own rules (explicit / implicit VR, little / big
 * endian, defined / undefined lengths, encapsulated pixel data) without allocating, and stops the
 * moment the count passes the limit. Where the bytes stop making sense it stops counting and leaves
 * the verdict to the parser, which reads the same bytes the same way and throws there too.
 */

const UNDEFINED = 0xffffffff;
/** VRs whose explicit length field is 4 bytes, exactly as dicom-parser lists them */
const LONG_VRS = new Set(['OB', 'OD', 'OL', 'OW', 'SQ', 'OF', 'UC', 'UR', 'UT', 'UN']);
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;
const PIXEL_DATA = 0x7fe00010;
const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const DEFLATED = '1.2.840.10008.1.2.1.99';
/**
 * Sequences nested deeper than this are refused. Scans nest a few levels (an Enhanced MR frame's
 * functional groups: 3), but each level costs this walk and dicom-parser three stack frames for 20
 * bytes of file, so 20,000 levels (400 KB) overflowed the stack: a RangeError, answered with a 500.
 */
export const MAX_SEQUENCE_DEPTH = 64;

/** The walk ran off its bytes: dicom-parser would throw at the same read. */
class OutOfBytes extends Error {}
/** The count passed the limit. */
class OverLimit extends Error {}
/** Sequences nested deeper than MAX_SEQUENCE_DEPTH: no scan's header, and the parser would overflow the stack. */
export class DicomNestingError extends Error {
  constructor() {
    super(`sequences nested deeper than ${MAX_SEQUENCE_DEPTH} levels`);
  }
}

/**
 * Elements, sequence items, fragments and offset-table entries of a Part 10 file (meta group
 * included), counted up to `limit`: returns the count, or `limit + 1` as soon as it is passed.
 * `inflated`: the dataset after the meta group is already inflated (Deflated transfer syntax);
 * without it a deflated dataset is not walked (the caller walks the inflated bytes later).
 * Throws DicomNestingError for sequences nested deeper than MAX_SEQUENCE_DEPTH.
 */
export function countDicomEntries(bytes: Uint8Array, limit: number, inflated = false): number {
  const w = new Walk(bytes, limit);
  try {
    const syntax = w.meta();
    if (syntax === DEFLATED) {
      if (!inflated) return w.count;
      // dicom-parser reads the inflater's bytes (preamble and meta group, then the inflated dataset)
      // from their first byte as one explicit little-endian dataset
      w.p = 0;
    }
    w.le = syntax !== EXPLICIT_BE;
    if (syntax === IMPLICIT_LE) w.implicitSet(bytes.length);
    else w.explicitSet(bytes.length);
  } catch (err) {
    if (err instanceof OverLimit) return limit + 1;
    if (!(err instanceof OutOfBytes)) throw err;
  }
  return w.count;
}

/**
 * Where the deflated dataset of a Deflated Explicit VR Little Endian file starts, or null for any
 * other transfer syntax (or a meta group that cannot be walked: the parser then refuses the file).
 * The meta group ends before the first tag outside group 0002 (PS3.10 7.1), found here without
 * reading that element: dicom-parser reads it first, as explicit VR, and in a deflated file those
 * bytes are compressed data, so when they happened to read as an SQ (14 of 580 deflated files
 * pydicom wrote) it walked them as items and refused a valid file as corrupt. The caller inflates
 * from here and hands the parser the inflated file, whose first dataset element is a real one.
 */
export function deflatedDatasetStart(bytes: Uint8Array): number | null {
  try {
    return new Walk(bytes, Infinity).deflatedStart();
  } catch (err) {
    if (err instanceof OutOfBytes || err instanceof DicomNestingError) return null;
    throw err;
  }
}

class Walk {
  count = 0;
  le = true;
  p = 132;
  private depth = 0;
  constructor(
    private readonly b: Uint8Array,
    private readonly limit: number,
  ) {}

  private add(n = 1): void {
    this.count += n;
    if (this.count > this.limit) throw new OverLimit();
  }
  private u16(): number {
    const { b, p } = this;
    if (p + 2 > b.length) throw new OutOfBytes();
    this.p += 2;
    return this.le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1];
  }
  private u32(): number {
    const lo = this.u16();
    const hi = this.u16();
    return this.le ? hi * 0x10000 + lo : lo * 0x10000 + hi;
  }
  private tag(): number {
    return this.u16() * 0x10000 + this.u16();
  }
  /** two characters, a NUL ending the string early (dicom-parser's readFixedString) */
  private vr(): string {
    const { b, p } = this;
    if (p + 2 > b.length) throw new OutOfBytes();
    this.p += 2;
    if (b[p] === 0) return '';
    return b[p + 1] === 0 ? String.fromCharCode(b[p]) : String.fromCharCode(b[p], b[p + 1]);
  }

  /** The meta group (always explicit little endian); returns the transfer syntax, positioned after it. */
  meta(): string {
    let syntax = '';
    while (this.p < this.b.length) {
      const start = this.p;
      const { tag, length, data } = this.explicitElement();
      if (tag > 0x0002ffff) {
        this.p = start; // dicom-parser read it (counted), then rewinds and reads it again in the dataset
        break;
      }
      if (tag === 0x00020010) syntax = this.uid(data, length);
    }
    return syntax;
  }

  /** The meta group's elements while their group is 0002; the deflated dataset's start, else null. */
  deflatedStart(): number | null {
    let syntax = '';
    while (this.p + 2 <= this.b.length) {
      const at = this.p;
      const group = this.u16();
      this.p = at;
      if (group !== 0x0002) break;
      const { tag, length, data } = this.explicitElement();
      if (tag === 0x00020010) syntax = this.uid(data, length);
    }
    return syntax === DEFLATED ? this.p : null;
  }

  private uid(data: number, length: number): string {
    return String.fromCharCode(...this.b.subarray(data, Math.min(this.b.length, data + Math.min(length, 64)))).replace(/[\0 ]+$/, '');
  }

  explicitSet(end: number): void {
    while (this.p < end) this.explicitElement();
  }

  implicitSet(end: number): void {
    while (this.p < end) this.implicitElement();
  }

  private explicitElement(): { tag: number; length: number; data: number } {
    const tag = this.tag();
    const vr = this.vr();
    let length: number;
    if (LONG_VRS.has(vr)) {
      this.p += 2;
      length = this.u32();
    } else {
      length = this.u16();
    }
    const data = this.p;
    this.add();
    if (vr === 'SQ') this.items(length, false);
    else if (length === UNDEFINED) {
      if (tag === PIXEL_DATA) this.fragments();
      else if (vr === 'UN') this.items(length, true);
      else this.findItemEnd();
    } else this.p += length;
    return { tag, length, data };
  }

  private implicitElement(): number {
    const tag = this.tag();
    const length = this.u32();
    this.add();
    // dicom-parser peeks at the next tag to decide whether an implicit element is a sequence
    let sequence = false;
    if (this.p + 4 <= this.b.length) {
      const at = this.p;
      const next = this.tag();
      this.p = at;
      sequence = next === ITEM || next === SEQUENCE_END;
    }
    const privateTag = (tag >>> 16) % 2 === 1;
    if (sequence && (!privateTag || length === UNDEFINED)) this.items(length, true);
    else if (length === UNDEFINED) this.findItemEnd();
    else this.p += length;
    return tag;
  }

  /** Sequence items (readSequenceItemsExplicit / Implicit): each one counted, its dataset walked. */
  private items(length: number, implicit: boolean): void {
    if (++this.depth > MAX_SEQUENCE_DEPTH) throw new DicomNestingError();
    try {
      this.itemsAt(length, implicit);
    } finally {
      this.depth--;
    }
  }

  private itemsAt(length: number, implicit: boolean): void {
    const end = this.p + length;
    for (;;) {
      if (length === UNDEFINED) {
        if (this.p + 4 > this.b.length) return;
        const at = this.p;
        if (this.tag() === SEQUENCE_END) {
          this.p += 4;
          return;
        }
        this.p = at;
      } else if (this.p >= end) return;
      if (this.tag() !== ITEM) throw new OutOfBytes(); // dicom-parser throws: not an item
      const itemLength = this.u32();
      this.add();
      if (itemLength === UNDEFINED) {
        // elements up to and including the item delimiter
        while (this.p < this.b.length) if ((implicit ? this.implicitElement() : this.explicitElement().tag) === ITEM_END) break;
      } else if (implicit) this.implicitSet(this.p + itemLength);
      else this.explicitSet(this.p + itemLength);
    }
  }

  /** Encapsulated pixel data (findEndOfEncapsulatedElement): offset-table entries and fragments. */
  private fragments(): void {
    if (this.tag() !== ITEM) throw new OutOfBytes();
    // dicom-parser reads ceil(length / 4) entries, whatever the length says
    const entries = Math.ceil(this.u32() / 4);
    this.add(entries);
    this.p += 4 * entries;
    while (this.p < this.b.length) {
      const tag = this.tag();
      const length = this.u32();
      if (tag === SEQUENCE_END) {
        this.p += length;
        return;
      }
      this.add();
      if (tag !== ITEM) return; // dicom-parser takes it as the last fragment
      this.p += length;
    }
  }

  /** findItemDelimitationItemAndSetElementLength: a scan, two bytes at a time, for (FFFE,E00D). */
  private findItemEnd(): void {
    const max = this.b.length - 8;
    while (this.p <= max) {
      if (this.u16() !== 0xfffe) continue;
      if (this.u16() !== 0xe00d) continue;
      this.p += 4;
      return;
    }
    this.p = this.b.length;
  }
}
