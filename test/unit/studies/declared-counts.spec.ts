/**
 * Issue 11 F1/F3 — counts a file declares are checked against their limits before anything is
 * allocated or iterated: NumberOfFrames of a DICOM, entries of a ZIP (every kind counts).
 */
import { ByteBudget, declaredZipEntries, maxArchiveEntries, unzipWithin } from '../../../src/studies/archive';
import { isImage, readDicomHeader } from '../../../src/studies/dicom';
import { loadStudy } from '../../../src/studies/study-loader';
import { TooManyFilesError, TooManySlicesError } from '../../../src/studies/study-errors';
import { dicomDeclaringFrames, emptyTextEntries, storedZip } from '../../hostile/denial-inputs';

const LIMITS = { maxBytes: 100 * 1024 * 1024, maxSlices: 400, minSide: 64, maxPixels: 36_000_000 };
const pos = { file: 0, files: 1 };

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => null,
    (e: unknown) => e,
  );
}

describe('declared frame counts (F1)', () => {
  it('the 524-byte DICOM declaring 100,000,000 frames is refused by its header, before any per-frame loop', async () => {
    const file = dicomDeclaringFrames(100_000_000);
    expect(file.length).toBe(524);
    // the per-frame reader would allocate 10^8 records; refusing first is the only way this returns
    await expect(readDicomHeader(new Uint8Array(file), pos, new ByteBudget(LIMITS.maxBytes), { left: 400, maxSlices: 400 })).rejects.toThrow(TooManySlicesError);
  });

  it('a frame count within the limit still parses (shared functional groups read per frame)', async () => {
    const inst = await readDicomHeader(new Uint8Array(dicomDeclaringFrames(2)), pos, new ByteBudget(LIMITS.maxBytes), { left: 400, maxSlices: 400 });
    if (!isImage(inst)) throw new Error('expected an image');
    expect(inst.frames).toBe(2);
    expect(inst.frameInfo).toHaveLength(2);
  });

  it('frames already taken by earlier files count: the room shrinks file by file', async () => {
    const files = [dicomDeclaringFrames(250), dicomDeclaringFrames(250)].map((b) => new Uint8Array(b));
    const err = await errorOf(loadStudy(files, LIMITS));
    expect(err).toBeInstanceOf(TooManySlicesError);
    expect((err as TooManySlicesError).statusCode).toBe(413);
  });

  it('through loadStudy the hostile file is a 413 TOO_MANY_SLICES', async () => {
    const err = await errorOf(loadStudy([new Uint8Array(dicomDeclaringFrames(100_000_000))], LIMITS));
    expect(err).toBeInstanceOf(TooManySlicesError);
    expect((err as TooManySlicesError).code).toBe('TOO_MANY_SLICES');
  });
});

describe('archive entries (F3)', () => {
  it('reads the declared entry count from the end record, ZIP64 included', () => {
    expect(declaredZipEntries(storedZip(emptyTextEntries(3)))).toBe(3);
    expect(declaredZipEntries(storedZip(emptyTextEntries(2), { declare: 300_000, zip64: true }))).toBe(300_000);
    expect(declaredZipEntries(Buffer.from('PK\x03\x04 no end record'))).toBeNull();
  });

  it('refuses a ZIP declaring 300,000 entries before reading a single one', async () => {
    // two real entries, a ZIP64 directory claiming 300,000: the claim alone is enough to refuse
    const z = storedZip(emptyTextEntries(2), { declare: 300_000, zip64: true });
    const seen: number[] = [];
    const budget = new ByteBudget(LIMITS.maxBytes);
    const take = budget.take.bind(budget);
    budget.take = (n: number) => {
      seen.push(n);
      take(n);
    };
    const err = await errorOf(unzipWithin(new Uint8Array(z), budget, 400, pos));
    expect(err).toBeInstanceOf(TooManyFilesError);
    expect((err as TooManyFilesError).statusCode).toBe(413);
    expect(seen).toEqual([]);
  });

  it('empty .txt entries (skipped as not image data) count against the entry limit', async () => {
    const n = maxArchiveEntries(400) + 1;
    const err = await errorOf(loadStudy([new Uint8Array(storedZip(emptyTextEntries(n)))], LIMITS));
    expect(err).toBeInstanceOf(TooManyFilesError);
    expect((err as TooManyFilesError).code).toBe('TOO_MANY_FILES');
  });

  it('a directory that under-declares does not help: entries are counted as they stream by', async () => {
    const n = maxArchiveEntries(400) + 1;
    const err = await errorOf(loadStudy([new Uint8Array(storedZip(emptyTextEntries(n), { declare: 1 }))], LIMITS));
    expect(err).toBeInstanceOf(TooManyFilesError);
  });

  it('20,000 entries in one upload are answered without a stack overflow (no spread of unbounded arrays)', async () => {
    const err = await errorOf(loadStudy([new Uint8Array(storedZip(emptyTextEntries(20_000), { declare: 1 }))], LIMITS));
    expect(err).toBeInstanceOf(TooManyFilesError);
  });

  it('yields to the event loop while inflating a large archive', async () => {
    const z = storedZip(emptyTextEntries(maxArchiveEntries(400)));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    await errorOf(loadStudy([new Uint8Array(z)], LIMITS));
    clearInterval(timer);
    expect(z.length).toBeGreaterThan(64 * 1024);
    expect(ticks).toBeGreaterThan(0);
  });
});
