import { ByteBudget } from '../../src/studies/archive';
import { DicomInstance, isImage, readDicomHeader } from '../../src/studies/dicom';
import * as dicomPixels from '../../src/studies/dicom-pixels';
import { CorruptStudyError } from '../../src/studies/study-errors';
import { loadStudy, StudyLimits } from '../../src/studies/study-loader';
import { el, fragments, mrDicom, MrOptions, offsetTable } from './dicom-pixel-fixtures';

/**
 * What the compressed-DICOM specs (JPEG Lossless, JPEG-LS, JPEG 2000) share: one set of study
 * limits, the frame size their test pixels have, the readers that compare a compressed file
 * with the same pixels written native, and the checks of a frame refused or aborted.
 */
export const CODEC_LIMITS: StudyLimits = { maxBytes: 64 * 1024 * 1024, maxSlices: 50, minSide: 16, maxPixels: 4_000_000 };
export const CODEC_ROWS = 40;
export const CODEC_COLUMNS = 48;

/** The file's parsed header (throws where it is not DICOM). */
export async function header(file: Buffer): Promise<DicomInstance> {
  const inst = await readDicomHeader(new Uint8Array(file), { file: 0, files: 1 }, new ByteBudget(CODEC_LIMITS.maxBytes), { left: 50, maxSlices: 50 });
  if (!isImage(inst)) throw new Error('not a DICOM image');
  return inst;
}

/** The windowed slices the models would see, one buffer a slice. */
export async function slices(file: Buffer): Promise<Buffer[]> {
  const study = await loadStudy([new Uint8Array(file)], CODEC_LIMITS);
  if (study.kind !== 'slices') throw new Error(`expected slices, got ${study.kind}`);
  return study.slices.map((s) => Buffer.from(s.image.data));
}

/** The error a promise rejects with (fails where it resolves). */
export async function errorOf(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected an error');
    },
    (e: unknown) => e as Error,
  );
}

/** Deterministic values over `bits` bits in rows of CODEC_COLUMNS: noise, a ramp and both extremes. */
export function values(n: number, bits: number, seed: number): number[] {
  let s = seed;
  const max = 2 ** bits - 1;
  const C = CODEC_COLUMNS;
  return Array.from({ length: n }, (_, i) => {
    s = (s * 1103515245 + 12345) >>> 0;
    const row = Math.floor(i / C);
    return row % 5 === 0 ? (i % 2 ? max : 0) : row % 5 === 1 ? s >>> (32 - bits) : Math.floor(((i % C) / C) * max);
  });
}

/** `work()`'s result and how many turns the event loop took while it ran (a decode that holds the loop allows 0–1). */
export async function withTurns<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let ticking = true;
  const tick = (): void => {
    if (!ticking) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  try {
    const result = await work();
    return { result, turns };
  } finally {
    ticking = false;
  }
}

/** A file with `native`'s header whose pixel data are the frames' compressed streams, one a frame, each split into
 *  `parts` fragments (with a Basic Offset Table where `bot`; without one, frames are found at their end markers). */
export function encapsulatedDicom(native: Omit<MrOptions, 'words' | 'pixelData' | 'transferSyntax'>, ts: string, streams: Uint8Array[], parts = 1, bot = false): Buffer {
  const framesOfFragments = streams.map((s) => fragments(s, parts));
  return mrDicom({ ...native, transferSyntax: ts, pixelData: el.encapsulated(framesOfFragments.flat(), bot ? offsetTable(framesOfFragments) : []) });
}

/** The words of each of `frames` frames as the codec codes them (`sample`: the stored bits, or the whole word). */
export function frameSamples(words: number[], frames: number, sample: (w: number) => number): number[][] {
  const n = words.length / frames;
  return Array.from({ length: frames }, (_, f) => words.slice(f * n, (f + 1) * n).map(sample));
}

/** The compressed file gives exactly the native file's modality values, frame by frame, and the same windowed slices. */
export async function expectSamePixels(native: Buffer, compressed: Buffer, frames: number): Promise<void> {
  const [a, b] = await Promise.all([header(native), header(compressed)]);
  for (let f = 0; f < frames; f++) {
    const [x, y] = await Promise.all([dicomPixels.decodeFrame(a, f), dicomPixels.decodeFrame(b, f)]);
    expect(x.kind).toBe('scalar');
    expect(y).toEqual(x);
  }
  const [sa, sb] = await Promise.all([slices(native), slices(compressed)]);
  expect(sb).toHaveLength(frames);
  expect(sb).toEqual(sa);
}

/**
 * A spy on decodeFrame, fresh for each test of the calling describe block and restored after it:
 * `decode()` is the current one.
 */
export function decodeSpy(): () => jest.SpyInstance {
  let spy: jest.SpyInstance | undefined;
  beforeEach(() => (spy = jest.spyOn(dicomPixels, 'decodeFrame')));
  afterEach(() => spy?.mockRestore());
  return () => {
    if (!spy) throw new Error('decodeSpy() is read inside a test');
    return spy;
  };
}

/** Loading `file` is refused with a 422 `type` whose message matches, before any frame is decoded (`decode`: decodeSpy's). */
export async function expectRefusedUndecoded(file: Uint8Array, type: abstract new (...args: never[]) => Error, message: RegExp, decode: jest.SpyInstance): Promise<void> {
  const err = await errorOf(loadStudy([new Uint8Array(file)], CODEC_LIMITS));
  expect(err).toBeInstanceOf(type);
  expect(err).toMatchObject({ statusCode: 422 });
  expect(err.message).toMatch(message);
  expect(decode).not.toHaveBeenCalled();
}

/** Loading `file` is refused while its frame is decoded: 422 CORRUPT_IMAGE, the message matching. */
export async function expectCorruptWhileDecoding(file: Uint8Array, message: RegExp): Promise<void> {
  const err = await errorOf(loadStudy([new Uint8Array(file)], CODEC_LIMITS));
  expect(err).toBeInstanceOf(CorruptStudyError);
  expect(err).toMatchObject({ statusCode: 422, code: 'CORRUPT_IMAGE' });
  expect(err.message).toMatch(message);
}

/** Decoding frame 0 of `inst` stops at the next turn of the event loop once the request is aborted, with the abort's reason. */
export async function expectAbortStops(inst: DicomInstance): Promise<void> {
  const ac = new AbortController();
  const reason = new Error('client gone');
  setImmediate(() => ac.abort(reason));
  await expect(dicomPixels.decodeFrame(inst, 0, ac.signal)).rejects.toBe(reason);
}
