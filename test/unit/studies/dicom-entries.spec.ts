import * as dicomParser from 'dicom-parser';
import * as zlib from 'node:zlib';
import { countDicomEntries } from '../../../src/studies/dicom-entries';
import { dicomEnhanced, withExtraPerFrameItems } from '../../support/enhanced-dicom-fixtures';
import { dicomJpegSlice } from '../../support/jpeg-dicom-fixtures';
import { dicomSlice, syntheticSlice } from '../../support/study-fixtures';

/**
 * The count taken before parsing (dicom-entries.ts) must be the number of objects dicom-parser then
 * builds — elements, items, fragments, offset-table entries — or a file could pass the count and still
 * make the parser build millions. Checked here against the parser itself on every encoding the
 * service reads.
 */
function built(ds: dicomParser.DataSet): number {
  let n = 0;
  for (const el of Object.values(ds.elements)) {
    n += 1 + (el.fragments?.length ?? 0) + (el.basicOffsetTable?.length ?? 0);
    for (const it of el.items ?? []) n += 1 + built(it.dataSet!);
  }
  return n;
}

const slice = syntheticSlice(64, 64, (x, y) => (x * 3 + y) % 256);

function deflated(b: Buffer): { bytes: Buffer; full: Buffer } {
  const metaEnd = 132 + 12 + b.readUInt32LE(132 + 8);
  return { bytes: Buffer.concat([b.subarray(0, metaEnd), zlib.deflateRawSync(b.subarray(metaEnd))]), full: b };
}

describe('countDicomEntries: what dicom-parser will build, counted without building it', () => {
  it('agrees with the parser on every encoding read (+1: the first dataset element, read by the meta reader and again)', async () => {
    const files: [string, Buffer][] = [
      ['explicit little endian', dicomSlice(slice)],
      ['implicit little endian', dicomSlice(slice, { transferSyntax: '1.2.840.10008.1.2' })],
      ['explicit big endian', dicomSlice(slice, { transferSyntax: '1.2.840.10008.1.2.2' })],
      ['RLE (encapsulated)', dicomSlice(slice, { rle: true })],
      ['JPEG Baseline (encapsulated)', await dicomJpegSlice(slice)],
      ['Enhanced MR (nested sequences)', dicomEnhanced([slice, slice, slice], [0, 3, 6], { frameSpacing: [[1, 1], [1, 1], [1, 1]] })],
      ['Enhanced MR with 1,000 extra items', withExtraPerFrameItems(dicomEnhanced([slice], [0]), 1000)],
    ];
    for (const [what, file] of files) {
      const ds = dicomParser.parseDicom(new Uint8Array(file));
      expect([what, countDicomEntries(new Uint8Array(file), 1e9)]).toEqual([what, built(ds) + 1]);
    }
    // deflated: the meta group alone until the dataset is inflated, then the whole
    const { bytes, full } = deflated(dicomSlice(slice, { transferSyntax: '1.2.840.10008.1.2.1.99' }));
    expect(countDicomEntries(new Uint8Array(bytes), 1e9)).toBeLessThan(10);
    const parsed = dicomParser.parseDicom(new Uint8Array(full), { inflater: () => new Uint8Array(full) } as dicomParser.ParseDicomOptions);
    // dicom-parser reads the inflater's bytes from their start: the preamble's zeros as elements of one
    // tag (one key, so `built` sees one of them) and the meta group again
    const walked = countDicomEntries(new Uint8Array(full), 1e9, true);
    expect(walked).toBeGreaterThanOrEqual(built(parsed) + 1);
    expect(walked).toBeLessThanOrEqual(built(parsed) + 1 + 16 + 8);
  });

  it('stops as soon as the limit is passed, and leaves bytes that stop making sense to the parser', () => {
    const file = new Uint8Array(withExtraPerFrameItems(dicomEnhanced([slice], [0]), 1000));
    const all = countDicomEntries(file, 1e9);
    expect(countDicomEntries(file, all)).toBe(all);
    expect(countDicomEntries(file, all - 1)).toBe(all);
    expect(countDicomEntries(file, 10)).toBe(11);
    const cut = file.subarray(0, file.length - 5000); // inside Pixel Data
    expect(countDicomEntries(cut, 1e9)).toBeLessThanOrEqual(all);
  });
});
