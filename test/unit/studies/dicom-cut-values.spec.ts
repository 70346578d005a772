import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { CorruptStudyError } from '../../../src/studies/study-errors';
import { el, maxDiff, mrDicom, part10, ref } from '../../support/dicom-pixel-fixtures';

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

/** A 16×16 implicit-VR slice: its elements in tag order, then `after` (trailing bytes); `cut` bytes taken off the end. */
function slice(cut: number, after: Buffer = Buffer.alloc(0)): Uint8Array {
  const file = Buffer.concat([
    part10([], '1.2.840.10008.1.2'),
    implicit([
      [0x00080060, text('MR')],
      [0x00280002, us(1)],
      [0x00280004, text('MONOCHROME2')],
      [0x00280010, us(16)],
      [0x00280011, us(16)],
      [0x00280100, us(8)],
      [0x00280101, us(8)], // Type 1, as Pixel Representation: a file without it is refused (missing-pixel-tags.spec.ts)
      [0x00280103, us(0)], // Type 1: a file without it is refused (missing-pixel-tags.spec.ts)
      [0x7fe00010, Buffer.alloc(256, 7)],
    ]),
    after,
  ]);
  return new Uint8Array(file.subarray(0, file.length - cut));
}

const load = (file: Uint8Array) => loadStudy([file], LIMITS).then((s) => s.kind, (e: unknown) => e);

describe('a DICOM file cut inside a header value', () => {
  // dicom-parser keeps an implicit-VR element whose value runs past the end of the file, and its
  // accessors then threw a bare string at the first read ("readUint16: attempt to read past end of
  // buffer"), answered as a 500: 24 of 58,832 cut points of 40 generated files
  it('cut inside Rows (one byte of two left) → 422 CorruptStudyError, not a 500', async () => {
    const whole = slice(0);
    const rowsValue = Buffer.from(whole).indexOf(Buffer.from([0x28, 0, 0x10, 0, 2, 0, 0, 0])) + 8;
    expect(await load(whole.subarray(0, rowsValue + 1))).toBeInstanceOf(CorruptStudyError);
  });

  it('trailing bytes after the pixels that read as an element running past the end are ignored, as pydicom does', async () => {
    // (0028,0120) Pixel Padding Value, said to be 2 bytes long, 1 there: not part of the image
    expect(await load(slice(1, implicit([[0x00280120, us(0)]])))).toBe('slices');
  });
});

describe('bytes after the pixel data that do not parse', () => {
  // dicom-parser threw at them ("buffer overrun", "read past end of buffer") after it had read the
  // whole image, and the file was refused as unreadable; pydicom reads these (276 of 8,000 mutated files)
  const words = Array.from({ length: 16 * 16 }, (_, i) => i);
  const file = mrDicom({ rows: 16, columns: 16, bitsAllocated: 8, words, extra: [el.ds(0x00281050, 128), el.ds(0x00281051, 256)] });
  it.each([
    ['three stray bytes', Buffer.from([0, 0, 0])],
    ['an element cut off by the end', Buffer.from([0x28, 0, 0x20, 0x01, 0x55, 0x53, 8, 0])],
  ])('%s: the slice is read, its pixels intact', async (_, trailing) => {
    const study = await loadStudy([new Uint8Array(Buffer.concat([file, trailing]))], LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.slices[0].image.width).toBe(16);
    expect(maxDiff(study.slices[0].image.data, words.map((v) => ref.linear(v, 128, 256)))).toBe(0);
  });
});
