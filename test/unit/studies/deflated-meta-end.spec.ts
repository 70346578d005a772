import * as zlib from 'node:zlib';
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { el, maxDiff, mrDicom, ref } from '../../support/dicom-pixel-fixtures';

const LIMITS: StudyLimits = { maxBytes: 64 * 1024 * 1024, maxSlices: 50, minSide: 16, maxPixels: 1_000_000 };
const STORED = 0x53ae;

/**
 * A raw deflate stream of `data` (valid, RFC 1951) whose bytes 4–5 read "SQ": two empty fixed-Huffman
 * blocks (20 bits), a stored block of 0x53AE bytes (its LEN's high byte is 'S', NLEN's low byte 'Q'),
 * then the rest as zlib deflates it. zlib's own output did this by chance for 14 of 580 files pydicom
 * deflated; built here, the case does not depend on zlib's version.
 */
function deflateReadingSq(data: Buffer): Buffer {
  const head = Buffer.from([0x02, 0x08, 0x00, STORED & 0xff, STORED >> 8, ~STORED & 0xff, (~STORED >> 8) & 0xff]);
  return Buffer.concat([head, data.subarray(0, STORED), zlib.deflateRawSync(data.subarray(STORED))]);
}

describe('Deflated Explicit VR Little Endian: where the meta group ends', () => {
  it('a dataset whose compressed bytes read as an SQ element where its VR would be is read (was a 422)', async () => {
    const words = Array.from({ length: 128 * 128 }, (_, i) => (i * 37) % 4096);
    const file = mrDicom({
      rows: 128,
      columns: 128,
      bitsAllocated: 16,
      bitsStored: 12,
      words,
      transferSyntax: '1.2.840.10008.1.2.1.99',
      extra: [el.ds(0x00281050, 2048), el.ds(0x00281051, 4096)],
    });
    const metaEnd = 132 + 12 + file.readUInt32LE(132 + 8);
    const compressed = deflateReadingSq(file.subarray(metaEnd));
    expect(zlib.inflateRawSync(compressed).equals(file.subarray(metaEnd))).toBe(true);
    // dicom-parser read the first element after the meta group (as explicit VR) before looking at its
    // tag: here tag (0802,AE00), VR "SQ", so it walked compressed bytes as sequence items
    expect(compressed.subarray(4, 6).toString('latin1')).toBe('SQ');
    const study = await loadStudy([new Uint8Array(Buffer.concat([file.subarray(0, metaEnd), compressed]))], LIMITS);
    if (study.kind !== 'slices') throw new Error('expected slices');
    expect(study.meta.transferSyntax).toBe('1.2.840.10008.1.2.1.99');
    expect(maxDiff(study.slices[0].image.data, words.map((v) => ref.linear(v, 2048, 4096)))).toBe(0);
  });
});
