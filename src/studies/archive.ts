import { Gunzip, Inflate } from 'fflate';
import * as zlib from 'node:zlib';
import { nextTurn } from '../common/abort';
import { CorruptStudyError, FilePosition, fileLabel, StudyTooLargeError, TooManySlicesError } from './study-errors';
import { findEndRecord, readZipDirectory } from './zip-directory';

/** One file of a study after archives are opened: bytes in memory plus where it came from. */
export interface StudyPart {
  bytes: Uint8Array;
  pos: FilePosition;
  /** the part came out of a ZIP entry whose name says it is not image data (README, DICOMDIR…) */
  ignorable?: boolean;
}

/**
 * Counts every byte a study occupies once decompressed, across all its files, and refuses the
 * study the moment the total passes the limit — while inflating, so a ZIP or gzip bomb never
 * expands in memory beyond the limit.
 */
export class ByteBudget {
  private used = 0;
  constructor(readonly limit: number) {}
  take(n: number): void {
    this.used += n;
    if (this.used > this.limit) throw new StudyTooLargeError(this.limit);
  }
  get remaining(): number {
    return Math.max(0, this.limit - this.used);
  }
}

export function isZip(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 0x03 || b[2] === 0x05) && (b[3] === 0x04 || b[3] === 0x06);
}

export function isGzip(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 0x08;
}

/** ZIP entry names that are never image data; they are skipped, not parsed. */
export function isIgnorableEntry(name: string): boolean {
  const base = name.split('/').pop() ?? name;
  if (name.endsWith('/')) return true;
  if (name.startsWith('__MACOSX/') || base.startsWith('.')) return true;
  if (/^DICOMDIR$/i.test(base)) return true;
  return /\.(txt|md|json|xml|csv|html?|pdf|ini|log|exe|bat|sh|inf)$/i.test(base);
}

/**
 * Inflating happens in slices of this many compressed bytes with a turn of the event loop
 * between them, so a large archive never holds the loop for more than one slice's work.
 */
const CHUNK = 16 * 1024;

/** Entries a ZIP may hold, of every kind (folders, __MACOSX twins, READMEs included). */
export function maxArchiveEntries(maxSlices: number): number {
  return 2 * maxSlices + 64;
}

/** Streams a gzip member through fflate, charging the budget as output arrives; `signal` stops it between chunks. */
export async function gunzipWithin(bytes: Uint8Array, budget: ByteBudget, pos: FilePosition, signal?: AbortSignal): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let done = false;
  const gz = new Gunzip((data, final) => {
    budget.take(data.length);
    chunks.push(data);
    total += data.length;
    if (final) done = true;
  });
  try {
    for (let i = 0; i < bytes.length; i += CHUNK) {
      gz.push(bytes.subarray(i, Math.min(bytes.length, i + CHUNK)), i + CHUNK >= bytes.length);
      if (i + CHUNK < bytes.length) await nextTurn(signal);
    }
  } catch (err) {
    if (signal?.aborted) throw signal.reason; // the request's end (timeout, hang-up), not a corrupt file
    if (err instanceof StudyTooLargeError) throw err;
    throw new CorruptStudyError(`The compressed data of ${fileLabel(pos)} is corrupt or truncated.`);
  }
  if (!done) throw new CorruptStudyError(`The compressed data of ${fileLabel(pos)} is truncated.`);
  return concat(chunks, total);
}

/**
 * The entry count a ZIP declares in its end-of-central-directory record (ZIP64 when the
 * classic field says 0xFFFF), read without touching any entry; null when there is no such record.
 */
export function declaredZipEntries(b: Uint8Array): number | null {
  return findEndRecord(b)?.total ?? null;
}

/**
 * Opens a ZIP held in memory from its central directory (zip-directory.ts: the entry count is
 * checked before any entry is read). Each entry is inflated chunk by chunk with a turn of the
 * event loop between chunks, the decompressed total charged to the budget as it grows, and its
 * CRC-32 and size checked against the directory: a damaged entry is a named 422, never analysed
 * as if intact (the streaming reader used before checked neither). Encrypted entries and methods
 * other than stored and deflate are refused by name. Nothing is written anywhere.
 */
export async function unzipWithin(bytes: Uint8Array, budget: ByteBudget, maxSlices: number, file: FilePosition, signal?: AbortSignal): Promise<StudyPart[]> {
  const entries = readZipDirectory(bytes, file, maxArchiveEntries(maxSlices));
  if (!entries.length) throw new CorruptStudyError(`The ZIP archive (${fileLabel(file)}) holds no files.`);
  const parts: StudyPart[] = [];
  let slices = 0; // entries that may be image data
  for (let index = 0; index < entries.length; index++) {
    const e = entries[index];
    if (e.name.endsWith('/')) continue; // folders carry no data
    const pos: FilePosition = { ...file, entry: index };
    const ignorable = isIgnorableEntry(e.name);
    if (!ignorable && ++slices > maxSlices) throw new TooManySlicesError(maxSlices);
    if (e.flags & 1) throw new CorruptStudyError(`${fileLabel(pos)} is encrypted (password-protected); upload the archive without a password.`);
    if (e.method !== 0 && e.method !== 8) throw new CorruptStudyError(`${fileLabel(pos)} uses a ZIP compression method this service does not read (only stored and deflate).`);
    const data = bytes.subarray(e.dataStart, e.dataStart + e.compressedSize);
    const out = e.method === 0 ? stored(data, budget) : await inflateWithin(data, budget, pos, signal);
    if (out.length !== e.size || zlib.crc32(out) !== e.crc) {
      throw new CorruptStudyError(`${fileLabel(pos)} is damaged: its content does not match the size and checksum (CRC-32) the archive records for it.`);
    }
    parts.push({ bytes: out, pos, ignorable });
    if (index % 32 === 31) await nextTurn(signal);
  }
  return parts;
}

function stored(data: Uint8Array, budget: ByteBudget): Uint8Array {
  budget.take(data.length);
  return data;
}

/** Raw deflate through fflate, CHUNK compressed bytes at a time, charging the budget as output arrives. */
async function inflateWithin(data: Uint8Array, budget: ByteBudget, pos: FilePosition, signal?: AbortSignal): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let done = false;
  const inflate = new Inflate((chunk, final) => {
    budget.take(chunk.length);
    chunks.push(chunk);
    total += chunk.length;
    if (final) done = true;
  });
  try {
    for (let i = 0; i < data.length || i === 0; i += CHUNK) {
      inflate.push(data.subarray(i, Math.min(data.length, i + CHUNK)), i + CHUNK >= data.length);
      if (i + CHUNK < data.length) await nextTurn(signal);
    }
  } catch (err) {
    if (signal?.aborted) throw signal.reason; // the request's end (timeout, hang-up), not a corrupt archive
    if (err instanceof StudyTooLargeError) throw err;
    throw new CorruptStudyError(`${fileLabel(pos)} is corrupt (it could not be decompressed).`);
  }
  if (!done) throw new CorruptStudyError(`${fileLabel(pos)} is truncated (its compressed data ends early).`);
  return concat(chunks, total);
}

/**
 * Uploaded files → study parts: ZIPs are opened, everything else passes as is (gzip is left to
 * the NIfTI reader, which inflates it within the same budget). Parts that may be image data are
 * counted as they are added — no re-filtering, no spreading of an unbounded array.
 */
export async function expandUploads(files: Uint8Array[], budget: ByteBudget, maxSlices: number, signal?: AbortSignal): Promise<StudyPart[]> {
  const out: StudyPart[] = [];
  let slices = 0;
  for (let i = 0; i < files.length; i++) {
    const bytes = files[i];
    const pos: FilePosition = { file: i, files: files.length };
    if (isZip(bytes)) {
      for (const part of await unzipWithin(bytes, budget, maxSlices, pos, signal)) {
        if (!part.ignorable) slices++;
        out.push(part);
      }
    } else {
      budget.take(bytes.length);
      out.push({ bytes, pos });
      slices++;
    }
    if (slices > maxSlices) throw new TooManySlicesError(maxSlices);
  }
  return out;
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
