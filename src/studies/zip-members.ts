import { Inflate } from 'fflate';
import * as zlib from 'node:zlib';
import { nextTurn } from '../common/abort';
import { FileCheckError } from '../common/errors';
import type { ByteBudget } from './archive';
import { concat, FirstVolumeSink } from './first-volume';
import { NIFTI_HEADER_BYTES } from './nifti';
import { FileKind, SNIFF_BYTES, sniffKind } from './file-kinds';
import { bareDicomRefused, CorruptStudyError, FilePosition, fileLabel, UnsupportedStudyFileError } from './study-errors';
import type { ZipEntry } from './zip-directory';

/** One entry, read: its bytes when it may be study data, null when it was skipped (its content checked, never held). */
export interface ZipMember {
  kind: FileKind;
  bytes: Uint8Array | null;
}

/** Compressed bytes inflated per step, with a turn of the event loop between steps. */
const CHUNK = 16 * 1024;
/** Compressed bytes pushed at once while an entry is sniffed or skipped. */
const SKIP_STEP = 1024;

/** Kinds that are read as study data (a gzip may be a .nii.gz; the NIfTI reader decides). */
const KEPT: ReadonlySet<FileKind> = new Set<FileKind>(['dicom', 'nifti', 'gzip']);

/**
 * Extensions (lower case) of documents and programs stored in the ZIP container: Office Open XML
 * (.docx/.xlsx/.pptx), OpenDocument (.odt/.ods/.odp), Java and Android archives (.jar/.apk) and
 * EPUB. Exports put reports and viewers of that kind beside the series; they are side files, so an
 * entry named so is skipped and listed like a README (its CRC still checked). Any other ZIP entry —
 * a nested .zip, or ZIP bytes under another name or none — may hold the study itself and stays
 * refused by name, so the user uploads it instead of getting an analysis of part of the study.
 */
const ZIP_CONTAINER_DOCUMENTS: readonly string[] = ['.docx', '.xlsx', '.pptx', '.odt', '.ods', '.odp', '.jar', '.apk', '.epub'];

/**
 * Reads one stored or deflated entry in a single pass, deciding from its first SNIFF_BYTES what it
 * is. Study data (DICOM, gzip) is kept and charged to `budget` as it inflates; a NIfTI file keeps
 * only its header and first volume, the only one analysed (first-volume.ts: the later volumes are
 * read through the CRC-32 and dropped, within the same bounds from the header as a .nii.gz's); a
 * `range` keeps that part of the entry whatever its first bytes (a NIfTI pair's .img).
 * Anything else is skipped: the rest of it still streams through the CRC-32 — a damaged entry is a
 * named 422 whatever it holds, so a DICOM whose first bytes were damaged is never skipped as a
 * README — but nothing past the sniffed bytes is held or charged to `budget`. That work is bounded
 * by `scan`, charged with the entry's declared size before the rest is inflated (a ZIP bomb posing
 * as a README stops there) and by the declared size itself: an entry that inflates past it is
 * damaged and stops at once. A ZIP inside the ZIP (unless named as a document stored in the ZIP
 * container, ZIP_CONTAINER_DOCUMENTS, which is skipped) and a DICOM data set without its Part 10
 * header are refused by name from those first bytes, before the rest is inflated.
 */
export async function readMember(
  archive: Uint8Array,
  e: ZipEntry,
  pos: FilePosition,
  budget: ByteBudget,
  scan: ByteBudget,
  signal?: AbortSignal,
  range?: EntryRange,
): Promise<ZipMember> {
  const data = archive.subarray(e.dataStart, e.dataStart + e.compressedSize);
  if (e.method === 0) {
    if (range) {
      check(data.length, zlib.crc32(data), e, pos);
      const sink = new RangeSink(budget, range);
      sink.write(data);
      return { kind: 'other', bytes: sink.finish() };
    }
    const kind = decide(data.subarray(0, SNIFF_BYTES), e, pos, scan, false);
    if (kind === 'nifti') {
      check(data.length, zlib.crc32(data), e, pos);
      // stored: every byte is in the upload already, so a read-through costs nothing but the CRC above
      const sink = new FirstVolumeSink(budget, pos, Number.POSITIVE_INFINITY);
      sink.write(data.subarray(0, NIFTI_HEADER_BYTES));
      sink.write(data.subarray(NIFTI_HEADER_BYTES));
      return { kind, bytes: sink.finish() };
    }
    if (KEPT.has(kind)) budget.take(data.length);
    check(data.length, zlib.crc32(data), e, pos);
    return { kind, bytes: KEPT.has(kind) ? data : null };
  }
  const head: Uint8Array[] = [];
  // what is held of the entry, decided from its first bytes; none for a skipped one
  const held: { sink: Sink | null } = { sink: null };
  let kind: FileKind | null = null;
  let total = 0;
  let crc = 0;
  let done = false;
  const inflate = new Inflate((chunk, final) => {
    total += chunk.length;
    if (total > e.size) throw damaged(pos); // more than the directory declares: stop now, not at the end of a bomb
    crc = zlib.crc32(chunk, crc);
    if (final) done = true;
    if (kind === null) {
      head.push(chunk);
      if (total < SNIFF_BYTES && !final) return;
      const first = concat(head, total);
      head.length = 0;
      kind = range ? 'other' : decide(first.subarray(0, SNIFF_BYTES), e, pos, scan, true);
      held.sink = range ? new RangeSink(budget, range) : kind === 'nifti' ? new FirstVolumeSink(budget, pos, e.compressedSize) : KEPT.has(kind) ? new WholeSink(budget) : null;
      held.sink?.write(first);
    } else held.sink?.write(chunk);
  });
  try {
    // A kept entry is pushed CHUNK bytes at a time; one being sniffed or skipped SKIP_STEP at a time,
    // so what one push inflates — garbage at once for a skipped entry — stays small (16 KB of
    // zeros inflate to 16 MB in one go; 1 KB to 1 MB).
    for (let i = 0, sinceTurn = 0; i < data.length || i === 0; ) {
      const step = held.sink ? CHUNK : SKIP_STEP;
      const end = Math.min(data.length, i + step);
      inflate.push(data.subarray(i, end), end >= data.length);
      sinceTurn += end - i;
      i = Math.max(end, 1);
      if (i < data.length && sinceTurn >= CHUNK) {
        sinceTurn = 0;
        await nextTurn(signal);
      }
    }
  } catch (err) {
    if (signal?.aborted) throw signal.reason; // the request's end (timeout, hang-up), not a corrupt archive
    if (err instanceof FileCheckError) throw err; // the budget, the scan allowance, a damaged or refused entry
    throw new CorruptStudyError(`${fileLabel(pos)} is corrupt (it could not be decompressed).`);
  }
  if (!done) throw new CorruptStudyError(`${fileLabel(pos)} is truncated (its compressed data ends early).`);
  check(total, crc, e, pos);
  return { kind: kind ?? 'other', bytes: held.sink ? held.sink.finish() : null };
}

/**
 * The part of an entry to hold whatever its first bytes say (a NIfTI pair's .img, whose voxels have no
 * signature): output bytes [start, end), after `before` (the pair's header), charged to the budget;
 * the rest streams through the CRC-32 only. The caller bounds `end` by the entry's size and the
 * inflating beyond it (nifti-pair.ts).
 */
export interface EntryRange {
  start: number;
  end: number;
  before: Uint8Array;
}

/** What of an entry's inflated output is held, as it comes. */
interface Sink {
  write(chunk: Uint8Array): void;
  finish(): Uint8Array;
}

/** DICOM, gzip: the whole entry, charged as it grows */
class WholeSink implements Sink {
  private chunks: Uint8Array[] = [];
  private total = 0;
  constructor(private readonly budget: ByteBudget) {}
  write(chunk: Uint8Array): void {
    this.budget.take(chunk.length);
    this.chunks.push(chunk);
    this.total += chunk.length;
  }
  finish(): Uint8Array {
    return concat(this.chunks, this.total);
  }
}

export class RangeSink implements Sink {
  private readonly out: Uint8Array;
  private at = 0;
  constructor(
    budget: ByteBudget,
    private readonly range: EntryRange,
  ) {
    const length = range.before.length + range.end - range.start;
    budget.take(length); // allocated at once, so charged at once
    this.out = new Uint8Array(length);
    this.out.set(range.before);
  }
  write(chunk: Uint8Array): void {
    const { start, end, before } = this.range;
    const from = Math.max(start, this.at);
    const to = Math.min(end, this.at + chunk.length);
    if (to > from) this.out.set(chunk.subarray(from - this.at, to - this.at), before.length + from - start);
    this.at += chunk.length;
  }
  finish(): Uint8Array {
    return this.out;
  }
}

/** The entry's kind from its first bytes; refuses the kinds that are refused by name; charges `scan` for a skipped, inflated entry. */
function decide(prefix: Uint8Array, e: ZipEntry, pos: FilePosition, scan: ByteBudget, inflated: boolean): FileKind {
  const kind = sniffKind(prefix, e.size);
  if (kind === 'zip' && !isZipContainerDocument(e.name)) {
    throw new UnsupportedStudyFileError(`${fileLabel(pos)} is itself a ZIP archive; archives inside an archive are not opened. Upload the inner archive, or its files, instead.`);
  }
  if (kind === 'bare_dicom') {
    throw bareDicomRefused(pos);
  }
  if (!KEPT.has(kind) && inflated) scan.take(e.size);
  return kind;
}

/** Whether the entry's base name (case-insensitive) ends in one of ZIP_CONTAINER_DOCUMENTS ("CD/Report.DOCX"). */
function isZipContainerDocument(entryName: string): boolean {
  const base = (entryName.split(/[\\/]/).pop() ?? '').toLowerCase();
  return ZIP_CONTAINER_DOCUMENTS.some((ext) => base.endsWith(ext));
}

function check(size: number, crc: number, e: ZipEntry, pos: FilePosition): void {
  if (size !== e.size || crc !== e.crc) throw damaged(pos);
}

function damaged(pos: FilePosition): CorruptStudyError {
  return new CorruptStudyError(`${fileLabel(pos)} is damaged: its content does not match the size and checksum (CRC-32) the archive records for it.`);
}

export { concat };
