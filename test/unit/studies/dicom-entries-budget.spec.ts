import * as dicomParser from 'dicom-parser';
import { countDicomEntries } from '../../../src/studies/dicom-entries';
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { CorruptStudyError, OversizedHeaderError, UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import { dicomSlice, newUid, part10, syntheticSlice } from '../../support/study-fixtures';

/**
 * The header-entry budget (dicom.ts HEADER_ENTRIES_PER_SLICE × maxSlices) is the study's, shared by
 * its files, and the walk that counts entries (dicom-entries.ts) must turn hostile nesting into a
 * named 4xx, never a stack overflow.
 */
const LIMITS: StudyLimits = { maxBytes: 100 * 1024 * 1024, maxSlices: 4, minSide: 64, maxPixels: 40_000_000 };
const BUDGET = 2048 * LIMITS.maxSlices;

/** A DICOMDIR (Media Storage Directory) whose record sequence has `extra` more empty items. */
function dicomdir(extra: number): Buffer {
  const file = part10({ SOPClassUID: '1.2.840.10008.1.3.10', SOPInstanceUID: newUid(), DirectoryRecordSequence: [{ DirectoryRecordType: 'PATIENT' }] }, '1.2.840.10008.1.2.1');
  const end = file.lastIndexOf(Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0])); // the sequence's delimiter
  const items = Buffer.alloc(8 * extra);
  for (let i = 0; i < extra; i++) items.writeUInt32LE(0xe000fffe, 8 * i); // (FFFE,E000), length 0
  return Buffer.concat([file.subarray(0, end), items, file.subarray(end)]);
}

/** A valid MR slice whose dataset starts with `depth` sequences nested one in another (explicit VR, undefined lengths). */
function nestedSlice(depth: number): Buffer {
  const open = Buffer.from([0x40, 0x00, 0x30, 0xa7, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]);
  const close = Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  const base = dicomSlice(syntheticSlice(64, 64, (x, y) => (x + y) % 256));
  const metaEnd = 132 + 12 + base.readUInt32LE(132 + 8);
  return Buffer.concat([base.subarray(0, metaEnd), Buffer.concat(Array<Buffer>(depth).fill(open)), Buffer.concat(Array<Buffer>(depth).fill(close)), base.subarray(metaEnd)]);
}

describe('DICOM header entries: one budget per study, hostile nesting refused by name', () => {
  it('charges DICOMDIRs too: several, each under the budget, are refused together before the parser builds them all', async () => {
    const dir = new Uint8Array(dicomdir(3000));
    const each = countDicomEntries(dir, 1e9);
    expect(each).toBeLessThan(BUDGET); // one alone is allowed…
    expect(each).toBeGreaterThan(BUDGET / 3); // …three are not
    await expect(loadStudy([dir], LIMITS)).rejects.toBeInstanceOf(UnsupportedStudyFileError); // only a DICOMDIR
    // before: every DICOMDIR parsed against a full budget of its own (12 files × 700,000 entries: 14 s of blocked loop)
    await expect(loadStudy([dir, dir, dir], LIMITS)).rejects.toBeInstanceOf(OversizedHeaderError);
  });

  it('sequences nested 20,000 deep: 422 CORRUPT_IMAGE, not a stack overflow (a 500); a few levels still load', async () => {
    const deep = nestedSlice(20_000);
    const err = await loadStudy([new Uint8Array(deep)], LIMITS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptStudyError);
    expect((err as Error).message).toMatch(/nests DICOM sequences more than 64 levels deep/);

    const shallow = nestedSlice(10);
    expect(countDicomEntries(new Uint8Array(shallow), 1e9)).toBeGreaterThan(20);
    expect(dicomParser.parseDicom(new Uint8Array(shallow)).elements.x0040a730).toBeDefined();
    const study = await loadStudy([new Uint8Array(shallow)], LIMITS);
    expect(study.kind).toBe('slices');
  });
});
