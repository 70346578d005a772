/**
 * Large DICOM headers are parsed in a worker thread (header-pool.ts): dicom-parser reads a header in
 * one synchronous call, which held the event loop ~0.3 s for a file at the per-file cap
 * (/healthz 0.7–1.6 s with 1–8 such studies, scripts/measure-header-stall.ts). What the worker
 * answers must be what the main thread would have: every instance field, the frames cut from
 * encapsulated pixel data (their fragments' offsets rebuilt on the main side), the entries charged
 * and every refusal with its class, code and words. Counted, not timed: the loop's turns during a
 * read are compared with the read itself.
 */
import * as path from 'node:path';
import { ByteBudget } from '../../../src/studies/archive';
import { DicomInstance, FrameRoom, isImage, NotAnImage, readDicomHeader } from '../../../src/studies/dicom';
import { HeaderPool } from '../../../src/studies/header-pool';
import { CorruptStudyError, FilePosition } from '../../../src/studies/study-errors';
import { FileCheckError } from '../../../src/common/errors';
import { colourDicom, ob, paletteElements } from '../../support/colour-dicom-fixtures';
import { el, fragments, mrDicom, offsetTable } from '../../support/dicom-pixel-fixtures';
import { dicomEnhanced } from '../../support/enhanced-dicom-fixtures';
import { rleEncode16 } from '../../support/rle-fixtures';
import { sideFiles } from '../../support/side-files';
import { dicomSlice, newUid, part10, syntheticSlice } from '../../support/study-fixtures';
import { bigHeader, deflatedDicom as deflated } from '../../support/big-header-fixtures';

const pos: FilePosition = { file: 1, files: 3 };
const pool = new HeaderPool({ size: 1 });
afterAll(() => pool.close());

const slice = (k = 0) => syntheticSlice(32, 32, (x, y) => (x * 3 + y * 5 + k * 11) % 251);

const values = (k: number) => Uint16Array.from({ length: 32 * 32 }, (_, i) => (i * 37 + k * 500) % 1000);
const rleFrames = [0, 1, 2].map((k) => fragments(rleEncode16(values(k)), 2 + (k % 2)));
const encapsulated = (bot: boolean) =>
  mrDicom({ rows: 32, columns: 32, bitsAllocated: 16, frames: 3, transferSyntax: '1.2.840.10008.1.2.5', pixelData: el.encapsulated(rleFrames.flat(), bot ? offsetTable(rleFrames) : []) });
const ramp = Array.from({ length: 256 }, (_, i) => i * 257);

/** Files of every kind the reader answers differently for: images, objects without one, refusals. */
const FILES: Record<string, () => Buffer> = {
  'native, description and identifiers': () => dicomSlice(slice(), { seriesDescription: 'T2 AX DOE^JANE', patientName: 'DOE^JANE', bodyPart: 'HEAD' }),
  'RLE (encapsulated)': () => dicomSlice(slice(1), { rle: true }),
  'JPEG Lossless': () => dicomSlice(slice(2), { jpegLossless: true }),
  'RLE, 3 frames in 7 fragments with a Basic Offset Table': () => encapsulated(true),
  'RLE, 3 frames in 7 fragments without one (a 415 when a frame is cut)': () => encapsulated(false),
  'Enhanced MR, functional groups': () => dicomEnhanced([slice(0), slice(1), slice(2)], [0, 5, 10]),
  'deflated': () => deflated(dicomSlice(slice(3), { transferSyntax: '1.2.840.10008.1.2.1.99' })),
  'big endian': () => mrDicom({ rows: 32, columns: 32, bitsAllocated: 16, words: Array.from(values(1)), transferSyntax: '1.2.840.10008.1.2.2', extra: [el.ds(0x00281050, 500), el.ds(0x00281051, 1000)] }),
  'Modality LUT': () => mrDicom({ rows: 32, columns: 32, bitsAllocated: 16, words: Array.from(values(2)), extra: [el.sq(0x00283000, [[el.us(0x00283002, 256, 0, 16), el.bytes(0x00283006, 'OW', Buffer.from(new Uint16Array(ramp).buffer))]])] }),
  'PALETTE COLOR': () => colourDicom({ width: 32, height: 32, photometric: 'PALETTE COLOR', pixelData: ob(new Uint8Array(32 * 32).fill(9)), extra: paletteElements([ramp, ramp, ramp], { bits: 16 }) }),
  'a structured report': () => part10({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.22', SOPInstanceUID: newUid(), Modality: 'SR' }, '1.2.840.10008.1.2.1'),
  'the DICOMDIR': () => Buffer.from(sideFiles().DICOMDIR),
  'a large valid header (20,000 entries)': () => bigHeader(dicomSlice(slice(4)), 10_000),
  'refused: no Rows': () => mrDicom({ rows: 32, columns: 32, bitsAllocated: 16, words: Array.from(values(0)), omit: [0x00280010] }),
  'refused: Float Pixel Data': () => dicomSlice(slice(), { floatPixelData: true }),
  'refused: more frames than the study has room for': () => dicomSlice(syntheticSlice(32, 128, () => 1), { numberOfFrames: 4 }),
  'refused: truncated inside the header': () => bigHeader(dicomSlice(slice()), 3000).subarray(0, 20_000),
  'refused: a bad Modality LUT': () => mrDicom({ rows: 32, columns: 32, bitsAllocated: 16, words: Array.from(values(2)), extra: [el.sq(0x00283000, [[el.us(0x00283002, 4096, 0, 16), el.bytes(0x00283006, 'OW', new Uint8Array(16))]])] }),
  'refused: over the study header allowance': () => bigHeader(dicomSlice(slice()), 16_000),
};

/** The study's room: three frames, and 30,000 header entries, which the last file above passes. */
const room = (): FrameRoom => ({ left: 3, maxSlices: 20, entries: { left: 30_000 } });

/** What a read gave, comparable: every field, the frames it cuts (or why not), the entries it charged; or the refusal. */
async function answer(file: Buffer, inlineEntries?: number): Promise<unknown> {
  const r = room();
  try {
    const inst = await readDicomHeader(new Uint8Array(file), pos, new ByteBudget(64 << 20), r, undefined, { pool, inlineEntries });
    return { ...comparable(inst), charged: 30_000 - r.entries!.left };
  } catch (e) {
    const err = e as Error & { code?: string; statusCode?: number };
    return { refused: err.constructor.name, code: err.code, status: err.statusCode, message: err.message, fileCheck: e instanceof FileCheckError, corrupt: e instanceof CorruptStudyError };
  }
}

function comparable(inst: DicomInstance | NotAnImage): object {
  if (!isImage(inst)) return inst;
  const frames = Array.from({ length: inst.frames }, (_, f) => {
    try {
      return inst.encapsulatedFrame ? Buffer.from(inst.encapsulatedFrame(f)).toString('hex') : null;
    } catch (e) {
      return `${(e as Error).constructor.name}: ${(e as Error).message}`;
    }
  });
  expect(inst.pos).toBe(pos);
  return { ...inst, encapsulatedFrame: frames, bytes: Buffer.from(inst.bytes).toString('base64'), pixelData: Buffer.from(inst.pixelData).toString('hex') };
}

describe('a header parsed in the worker reads as one parsed on the main thread', () => {
  it.each(Object.keys(FILES))('%s', async (name) => {
    const file = FILES[name]();
    // every header read in place, then every header in the worker
    const here = await answer(file, Infinity);
    const there = await answer(file, 0);
    expect(there).toEqual(here);
    expect(JSON.stringify(here)).not.toContain('"refused":"Error"'); // a fault of ours would be a 500
  });
});

describe('the event loop while a large header is parsed', () => {
  it('goes round all along: no gap between two turns is a quarter of the read (a file at the per-file cap)', async () => {
    const file = new Uint8Array(bigHeader(dicomSlice(slice()), 100_000)); // ~200,000 entries
    const turns: number[] = [];
    let reading = true;
    const spin = () => {
      turns.push(performance.now());
      if (reading) setImmediate(spin);
    };
    const t0 = performance.now();
    setImmediate(spin);
    const inst = await readDicomHeader(file, pos, new ByteBudget(64 << 20), { left: 400, maxSlices: 400 }, undefined, { pool });
    reading = false;
    const total = performance.now() - t0;
    expect(isImage(inst) && inst.rows).toBe(32);
    const gaps = turns.slice(1).map((t, i) => t - turns[i]);
    expect(turns.length).toBeGreaterThan(20);
    const longest = gaps.reduce((a, b) => Math.max(a, b), turns[0] - t0);
    expect(longest * 4).toBeLessThan(total);
  });
});

describe('a parse stopped or lost', () => {
  it('an aborted read ends its parse with the reason, and the next read gets a fresh worker', async () => {
    const file = new Uint8Array(bigHeader(dicomSlice(slice()), 100_000));
    const ac = new AbortController();
    const reason = new Error('client gone');
    const reading = readDicomHeader(file, pos, new ByteBudget(64 << 20), { left: 400, maxSlices: 400 }, ac.signal, { pool });
    await new Promise((r) => setImmediate(r));
    expect(pool.workers).toBe(1);
    ac.abort(reason);
    await expect(reading).rejects.toBe(reason);
    expect(pool.workers).toBe(0);
    const next = await readDicomHeader(new Uint8Array(bigHeader(dicomSlice(slice()), 5000)), pos, new ByteBudget(64 << 20), { left: 400, maxSlices: 400 }, undefined, { pool });
    expect(isImage(next) && next.columns).toBe(32);
  });

  it('a read queued behind another leaves the queue when aborted; the other is answered', async () => {
    const ac = new AbortController();
    const first = readDicomHeader(new Uint8Array(bigHeader(dicomSlice(slice()), 5000)), pos, new ByteBudget(64 << 20), { left: 400, maxSlices: 400 }, undefined, { pool });
    const second = readDicomHeader(new Uint8Array(bigHeader(dicomSlice(slice()), 5000)), pos, new ByteBudget(64 << 20), { left: 400, maxSlices: 400 }, ac.signal, { pool });
    await new Promise((r) => setImmediate(r));
    ac.abort(new Error('gone'));
    await expect(second).rejects.toThrow('gone');
    expect(isImage(await first)).toBe(true);
  });

  it('a worker that dies on a file (out of its heap) gives that read a named 422, and the process and the next read go on', async () => {
    // the header worker, except that it runs out of its heap on a file holding CRASH-HEADER
    const crashing = new HeaderPool({ size: 1, resourceLimits: { maxOldGenerationSizeMb: 64 }, script: path.join(__dirname, '../../support/crashing-header.worker.ts') });
    try {
      const hostile = Buffer.concat([bigHeader(dicomSlice(slice()), 5000), Buffer.from('CRASH-HEADER')]);
      const err = await readDicomHeader(new Uint8Array(hostile), pos, new ByteBudget(64 << 20), { left: 400, maxSlices: 400 }, undefined, { pool: crashing }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CorruptStudyError);
      expect(err).toMatchObject({ code: 'CORRUPT_IMAGE', statusCode: 422, message: 'File 2 of 3 could not be read: its header stopped the header reader (a damaged or hostile file).' });
      const next = await readDicomHeader(new Uint8Array(bigHeader(dicomSlice(slice()), 5000)), pos, new ByteBudget(64 << 20), { left: 400, maxSlices: 400 }, undefined, { pool: crashing });
      expect(isImage(next) && next.rows).toBe(32);
    } finally {
      crashing.close();
    }
  });
});
