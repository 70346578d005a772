import * as dicomParser from 'dicom-parser';
import { countDicomEntries } from '../../../src/studies/dicom-entries';
import { loadStudy, StudyLimits } from '../../../src/studies/study-loader';
import { CorruptStudyError, OversizedHeaderError, UnsupportedStudyFileError } from '../../../src/studies/study-errors';
import { dicomSlice, newUid, part10, syntheticSlice } from '../../support/study-fixtures';
import { dicomEnhanced, withExtraPerFrameItems } from '../../support/enhanced-dicom-fixtures';
import { MAX_HEADER_ENTRIES_PER_FILE } from '../../../src/studies/dicom';

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

  it('one file may not spend a whole 400-slice study\'s allowance in one parse: 300,000 empty items (scripts/fuzz-uploads.ts) → 422, 150,000 still load', async () => {
    // dicom-parser reads a file in one synchronous call, ~1.5–2.5 µs an entry on this box: a 4 MB
    // file of 200,000 private items (800,000 entries, under the study's 819,200) held /healthz
    // for 1.6–2.2 s; the per-file cap keeps one call near 0.3 s
    const limits: StudyLimits = { ...LIMITS, maxSlices: 400 };
    const slice = syntheticSlice(64, 64, (x, y) => ((x - 32) ** 2 + (y - 32) ** 2 < 400 ? 200 : 20));
    const big = new Uint8Array(withExtraPerFrameItems(dicomEnhanced([slice], [0]), 300_000));
    expect(countDicomEntries(big, 1e9)).toBeLessThan(2048 * 400);
    const err = await loadStudy([big], limits).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OversizedHeaderError);
    expect((err as Error).message).toBe(
      `File 1 of 1: its DICOM header holds more elements and sequence items than one file may (${MAX_HEADER_ENTRIES_PER_FILE.toLocaleString('en-GB')}; a scan has a few hundred per image), so it was refused without being read.`,
    );
    const fits = new Uint8Array(withExtraPerFrameItems(dicomEnhanced([slice], [0]), 150_000));
    expect((await loadStudy([fits], limits)).kind).toBe('slices');
  });
});
