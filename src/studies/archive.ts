import * as zlib from 'node:zlib';
import { nextTurn, untilAborted } from '../common/abort';
import { humanBytes } from '../presentation/labels';
import { containerDocumentKind } from './container-documents';
import { isGzip, isZip } from './file-kinds';
import { SkippedList } from './skipped-files';
import { CorruptStudyError, FilePosition, fileLabel, StudyTooLargeError, TooManySlicesError } from './study-errors';
import { findEndRecord, readZipDirectory } from './zip-directory';
import { concat, readMember } from './zip-members';
import { PairEntry, pairsByName, readZipPair } from './zip-pairs';

export { isGzip, isZip } from './file-kinds';

/** One file of a study after archives are opened: bytes in memory plus where it came from. */
export interface StudyPart {
  bytes: Uint8Array;
  pos: FilePosition;
  /** the name of the ZIP entry it came out of: shown, sanitised, if the part turns out not to be study data (a DICOMDIR) */
  entryName?: string;
}

/**
 * Counts every byte a study occupies once decompressed, across all its files, and refuses the
 * study the moment the total passes the limit — while inflating, so a ZIP or gzip bomb never
 * expands in memory beyond the limit.
 */
export class ByteBudget {
  private used = 0;
  constructor(
    readonly limit: number,
    private readonly tooLarge: () => Error = () => new StudyTooLargeError(limit),
  ) {}
  take(n: number): void {
    this.used += n;
    if (this.used > this.limit) throw this.tooLarge();
  }
  get remaining(): number {
    return Math.max(0, this.limit - this.used);
  }
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

/**
 * Inflates a gzip file (one member or several, as pigz and bgzip write them) with Node's zlib,
 * handing every piece of output to `sink` as it arrives: it keeps what it needs, charges it to a
 * budget, and may throw to stop the inflating (a budget's refusal stops a gzip bomb at its limit;
 * a header refused by name): its error is thrown as it is, zlib's own become a named 422. The whole
 * input is inflated even when the sink keeps nothing more (nifti-gzip.ts drops a 4-D file's later
 * volumes), so that zlib checks every member's CRC-32 and length, as Python's gzip (nibabel) and
 * GNU gzip do, and ignores zero padding after the last member as they do. fflate, used before,
 * checked neither: of 300 .nii.gz files with 1–3 bytes overwritten, 284 inflated without an error
 * to other voxels, and a file padded with zeros was refused as corrupt. Between slices of CHUNK
 * compressed bytes the event loop gets a turn and `signal` is checked; an abort while a slice
 * inflates on libuv's pool ends the wait at once.
 */
export async function inflateGzip(bytes: Uint8Array, pos: FilePosition, sink: (data: Buffer) => void, signal?: AbortSignal): Promise<void> {
  const gz = zlib.createGunzip();
  let refused: { err: unknown } | null = null;
  // settles when the stream ends, fails, or the sink refuses more output
  const ended = new Promise<void>((resolve, reject) => {
    gz.on('data', (data: Buffer) => {
      if (refused) return;
      try {
        sink(data);
      } catch (err) {
        refused = { err };
        gz.destroy();
        reject(err);
      }
    });
    gz.on('end', resolve);
    gz.on('error', reject);
  });
  ended.catch(() => undefined); // awaited below; a failure while a chunk is written must not go unhandled
  try {
    for (let i = 0; i < bytes.length; i += CHUNK) {
      const written = new Promise<void>((resolve) => gz.write(bytes.subarray(i, Math.min(bytes.length, i + CHUNK)), () => resolve()));
      // the inflate runs on libuv's pool: an abort meanwhile ends the wait at once, not when the chunk is done
      await untilAborted(Promise.race([written, ended]), signal);
      await nextTurn(signal);
    }
    gz.end();
    await untilAborted(ended, signal);
  } catch (err) {
    gz.destroy();
    if (signal?.aborted) throw signal.reason; // the request's end (timeout, hang-up), not a corrupt file
    if (refused) throw (refused as { err: unknown }).err;
    const cut = (err as { code?: string }).code === 'Z_BUF_ERROR';
    throw new CorruptStudyError(`The compressed data of ${fileLabel(pos)} is ${cut ? 'truncated' : 'corrupt or truncated'}.`);
  }
}

/**
 * The entry count a ZIP declares in its end-of-central-directory record (ZIP64 when the
 * classic field says 0xFFFF), read without touching any entry; null when there is no such record.
 */
export function declaredZipEntries(b: Uint8Array): number | null {
  return findEndRecord(b)?.total ?? null;
}

/** What reading the archives of one study shares: the allowance for checking skipped entries, and their list. */
export interface ArchiveSide {
  /** decompressed bytes of skipped entries streamed through their CRC check (never held) */
  scan: ByteBudget;
  skipped: SkippedList;
}

/** The allowance for skipped entries: as much as the study itself may hold once decompressed. */
export function skippedScanBudget(limit: number): ByteBudget {
  return new ByteBudget(
    limit,
    () =>
      new StudyTooLargeError(
        limit,
        `The files in the archive that are not DICOM or NIfTI (skipped) exceed the study's ${humanBytes(limit)} limit once decompressed; they are checked for damage before being skipped. Remove them from the archive.`,
      ),
  );
}

/**
 * Opens a ZIP held in memory from its central directory (zip-directory.ts: the entry count is
 * checked before any entry is read). Each entry is read in one pass (zip-members.ts): its first
 * bytes say what it is; DICOM, NIfTI and gzip entries are inflated chunk by chunk, with a turn of
 * the event loop between chunks, and charged to the budget as they grow; anything else (DICOMDIR
 * aside, which is a DICOM file) is skipped — listed in `side.skipped`, its content checked but never
 * held. Every entry's CRC-32 and size are checked against the directory: a damaged entry is a
 * named 422, never analysed as if intact nor skipped. Encrypted entries, methods other than stored
 * and deflate, ZIPs inside the ZIP (a document in the ZIP container, .docx or .jar, is skipped)
 * and DICOM without its file header are refused by name. A NIfTI-1 pair, its .hdr and .img found by
 * name, is read as one volume (zip-pairs.ts).
 * Nothing is written anywhere.
 */
export async function unzipWithin(
  bytes: Uint8Array,
  budget: ByteBudget,
  maxSlices: number,
  file: FilePosition,
  signal?: AbortSignal,
  side: ArchiveSide = { scan: skippedScanBudget(budget.limit), skipped: new SkippedList() },
): Promise<StudyPart[]> {
  const entries = readZipDirectory(bytes, file, maxArchiveEntries(maxSlices));
  if (!entries.length) throw new CorruptStudyError(`The ZIP archive (${fileLabel(file)}) holds no files.`);
  const kind = containerDocumentKind(entries.map((e) => e.name));
  if (kind) side.skipped.noteDocument(file, kind);
  const parts: StudyPart[] = [];
  const at = (index: number): PairEntry => {
    const pos: FilePosition = { ...file, entry: index };
    const e = entries[index];
    if (e.flags & 1) throw new CorruptStudyError(`${fileLabel(pos)} is encrypted (password-protected); upload the archive without a password.`);
    if (e.method !== 0 && e.method !== 8) throw new CorruptStudyError(`${fileLabel(pos)} uses a ZIP compression method this service does not read (only stored and deflate).`);
    return { e, pos };
  };
  const keep = (part: StudyPart) => {
    parts.push(part);
    if (parts.length > maxSlices) throw new TooManySlicesError(maxSlices);
  };
  const readOne = async (index: number) => {
    const { e, pos } = at(index);
    const member = await readMember(bytes, e, pos, budget, side.scan, signal);
    if (member.bytes === null) side.skipped.add(pos, e.name);
    else keep({ bytes: member.bytes, pos, entryName: e.name });
  };
  // a NIfTI-1 .hdr and the .img beside it are read together, at the .hdr, as one volume
  const pairs = pairsByName(entries);
  const imgs = new Set(pairs.values());
  for (let index = 0; index < entries.length; index++) {
    const e = entries[index];
    if (e.name.endsWith('/')) continue; // folders carry no data
    const img = pairs.get(index);
    if (imgs.has(index)) {
      // read with its .hdr, unless that came first and was no header
    } else if (img === undefined) await readOne(index);
    else {
      const hdr = at(index);
      const joined = await readZipPair(bytes, hdr, at(img), budget, side.scan, signal);
      if (joined) keep({ bytes: joined, pos: hdr.pos, entryName: e.name });
      else {
        imgs.delete(img);
        await readOne(index);
        if (img < index) await readOne(img); // passed over before its .hdr was read
      }
    }
    if (index % 32 === 31) await nextTurn(signal);
  }
  return parts;
}

/**
 * Uploaded files → study parts: ZIPs are opened (their side files skipped into `skipped`),
 * everything else passes as is (gzip is left to the NIfTI reader, which inflates it within the
 * same budget). Parts are counted as they are added — no re-filtering, no spreading of an
 * unbounded array.
 */
export async function expandUploads(files: Uint8Array[], budget: ByteBudget, maxSlices: number, signal?: AbortSignal, skipped = new SkippedList()): Promise<StudyPart[]> {
  const out: StudyPart[] = [];
  const side: ArchiveSide = { scan: skippedScanBudget(budget.limit), skipped };
  for (let i = 0; i < files.length; i++) {
    const bytes = files[i];
    const pos: FilePosition = { file: i, files: files.length };
    if (isZip(bytes)) {
      for (const part of await unzipWithin(bytes, budget, maxSlices, pos, signal, side)) out.push(part);
    } else {
      // a gzip file is charged what it inflates to (nifti-gzip.ts, gzip-pair.ts): the limit is the
      // study's decompressed size, and its compressed bytes too made a volume within it a 413
      if (!isGzip(bytes)) budget.take(bytes.length);
      out.push({ bytes, pos });
    }
    if (out.length > maxSlices) throw new TooManySlicesError(maxSlices);
  }
  return out;
}
