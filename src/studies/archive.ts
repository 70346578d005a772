import { Gunzip, Unzip, UnzipInflate } from 'fflate';
import { nextTurn } from '../common/abort';
import { CorruptStudyError, FilePosition, fileLabel, StudyTooLargeError, TooManyFilesError, TooManySlicesError } from './study-errors';

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
 * classic field says 0xFFFF), read without touching any entry; null when there is no such
 * record (the streaming reader then decides whether the archive is readable).
 */
export function declaredZipEntries(b: Uint8Array): number | null {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const lowest = Math.max(0, b.length - 22 - 0xffff);
  for (let at = b.length - 22; at >= lowest; at--) {
    if (dv.getUint32(at, true) !== 0x06054b50) continue;
    const total = dv.getUint16(at + 10, true);
    if (total !== 0xffff) return total;
    const loc = at - 20;
    if (loc < 0 || dv.getUint32(loc, true) !== 0x07064b50) return total;
    const z64 = Number(dv.getBigUint64(loc + 8, true));
    if (z64 + 56 > b.length || dv.getUint32(z64, true) !== 0x06064b50) return total;
    return Number(dv.getBigUint64(z64 + 32, true));
  }
  return null;
}

/**
 * Opens a ZIP held in memory with fflate's streaming reader: entries are inflated chunk by
 * chunk, the decompressed total is charged to the budget as it grows, and entries of every kind
 * are counted — first the count the archive declares, before anything is read, then every local
 * entry as it streams by (a lying directory does not help). Nothing is written anywhere.
 */
export async function unzipWithin(bytes: Uint8Array, budget: ByteBudget, maxSlices: number, file: FilePosition, signal?: AbortSignal): Promise<StudyPart[]> {
  const maxEntries = maxArchiveEntries(maxSlices);
  const declared = declaredZipEntries(bytes);
  if (declared !== null && declared > maxEntries) throw new TooManyFilesError(maxEntries, 'archive');
  const parts: StudyPart[] = [];
  const pending = new Set<number>();
  let failure: unknown;
  let entry = 0;
  let slices = 0; // entries that may be image data, finished or still inflating
  const uz = new Unzip();
  uz.register(UnzipInflate);
  uz.onfile = (f) => {
    if (failure) return;
    const index = entry++;
    if (entry > maxEntries) {
      failure = new TooManyFilesError(maxEntries, 'archive');
      return;
    }
    const pos: FilePosition = { ...file, entry: index };
    const ignorable = isIgnorableEntry(f.name);
    if (f.name.endsWith('/')) return; // folders carry no data
    if (!ignorable && ++slices > maxSlices) {
      failure = new TooManySlicesError(maxSlices);
      return;
    }
    if (f.compression !== 0 && f.compression !== 8) {
      failure = new CorruptStudyError(`${fileLabel(pos)} uses a ZIP compression method this service does not read.`);
      return;
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    pending.add(index);
    f.ondata = (err, data, final) => {
      if (failure) return;
      if (err) {
        failure = new CorruptStudyError(`${fileLabel(pos)} is corrupt (it could not be decompressed).`);
        return;
      }
      try {
        budget.take(data.length);
      } catch (e) {
        failure = e;
        f.terminate();
        return;
      }
      chunks.push(data);
      total += data.length;
      if (final) {
        pending.delete(index);
        parts.push({ bytes: concat(chunks, total), pos, ignorable });
      }
    };
    f.start();
  };
  try {
    for (let i = 0; i < bytes.length && !failure; i += CHUNK) {
      uz.push(bytes.subarray(i, Math.min(bytes.length, i + CHUNK)), i + CHUNK >= bytes.length);
      if (i + CHUNK < bytes.length) await nextTurn(signal);
    }
  } catch {
    if (signal?.aborted) throw signal.reason; // the request's end (timeout, hang-up), not a corrupt archive
    failure ??= new CorruptStudyError(`The ZIP archive (${fileLabel(file)}) is corrupt or truncated.`);
  }
  if (failure) throw failure;
  if (pending.size) throw new CorruptStudyError(`The ZIP archive (${fileLabel(file)}) is truncated.`);
  if (entry === 0) throw new CorruptStudyError(`The ZIP archive (${fileLabel(file)}) holds no files.`);
  return parts.sort((a, b) => (a.pos.entry ?? 0) - (b.pos.entry ?? 0));
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
