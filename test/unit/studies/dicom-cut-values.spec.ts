import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { CorruptStudyError } from '../../../src/studies/study-errors';
import { part10 } from '../../support/dicom-pixel-fixtures';

const LIMITS: StudyLimits = { maxBytes: 64 * 1024 * 1024, maxSlices: 50, minSide: 1, maxPixels: 1_000_000 };

/** Implicit VR Little Endian elements: tag, 32-bit length, value (whatever the value's length). */
function implicit(els: [number, Buffer][]): Buffer {
  return Buffer.concat(els.flatMap(([tag, value]) => {
    const h = Buffer.alloc(8);
    h.writeUInt16LE(tag >>> 16, 0);
    h.writeUInt16LE(tag & 0xffff, 2);
    h.writeUInt32LE(value.length, 4);
    return [h, value];
  }));
}

const us = (v: number) => Buffer.from([v & 0xff, v >> 8]);
const text = (s: string) => Buffer.from(s.length % 2 ? `${s} ` : s, 'latin1');

/** A 16×16 implicit-VR slice, its elements in tag order; `cut` bytes taken off its end. */
function slice(cut: number, last: [number, Buffer][]): Uint8Array {
  const file = Buffer.concat([
    part10([], '1.2.840.10008.1.2'),
    implicit([
      [0x00080060, text('MR')],
      [0x00280002, us(1)],
      [0x00280004, text('MONOCHROME2')],
      [0x00280010, us(16)],
      [0x00280011, us(16)],
      [0x00280100, us(8)],
      [0x7fe00010, Buffer.alloc(256, 7)],
    ]),
  ]);
  return new Uint8Array(Buffer.concat([file, implicit(last)]).subarray(0, -cut || undefined));
}

describe('a DICOM file cut inside a header value', () => {
  // dicom-parser keeps an implicit-VR element whose value runs past the end of the file, and its
  // accessors then threw a bare string at the first read ("readUint16: attempt to read past end of
  // buffer"), answered as a 500 (24 of 58,832 cut points of 40 generated files); a cut text value was
  // read as far as it went. Either is a truncated file, refused as explicit VR ones already were.
  it.each([
    ['a US value (Pixel Padding Value), one byte of two left', [[0x00280120, us(5)]] as [number, Buffer][], 1],
    ['a text value (Series Description), half of it left', [[0x0008103e, text('AX T2 FLAIR')]] as [number, Buffer][], 6],
  ])('%s → 422 CorruptStudyError', async (_, last, cut) => {
    // out of tag order only to be last (a file cut there); the parser reads it all the same
    const err = await loadStudy([slice(cut, last)], LIMITS).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptStudyError);
  });
});
