import { humanBytes } from '../presentation/labels';
import type { ByteBudget } from './archive';
import { looksLikeNifti } from './file-kinds';
import { NIFTI_HEADER_BYTES, niftiExtent } from './nifti';
import { FilePosition, fileLabel, StudyTooLargeError } from './study-errors';

/**
 * The later volumes of a 4-D .nii.gz are inflated and dropped up to this many times the study's
 * byte limit (1.6 GB at the default 100 MB): a 300-volume fMRI run or a 65-direction DWI is
 * 80–130 MB, an HCP-like 1200-volume run ~1.6 GB. It bounds the time too: zlib inflated EPI-like
 * data at ~250 MB/s and zeros at ~400 MB/s here (scripts/measure-nifti-4d.ts), so a read-through
 * takes seconds at most, in slices with a turn of the event loop between them, and stops at the
 * request's abort (STUDY_TIMEOUT_MS, a hang-up) like any inflating.
 */
export const READ_THROUGH_FACTOR = 16;

/**
 * Beyond the study limit itself (what a whole file could always inflate to), later volumes are
 * read through only up to this many times the compressed file's size: MR volumes compress 2–4:1
 * (noise fills the background; 2.6:1 for the fMRI-like run of the measure script), zeros ~1000:1.
 * A small .gz declaring hundreds of MB (a bomb) is refused from its header, not inflated for seconds.
 */
export const READ_THROUGH_RATIO = 32;

/**
 * How many bytes of later volumes may be inflated only to be checked and dropped, for a file (or
 * ZIP entry) of `compressed` bytes: see READ_THROUGH_FACTOR and READ_THROUGH_RATIO.
 */
export function readThroughAllowance(limit: number, compressed: number): number {
  return Math.min(READ_THROUGH_FACTOR * limit, Math.max(limit, READ_THROUGH_RATIO * compressed));
}

/**
 * Decompressed output → what of it is held: for NIfTI its header to the end of its first volume, the
 * rest dropped as it comes (charged only beyond the header's declared end); anything else whole. Used
 * for a .nii.gz and for a .nii inside a ZIP (zip-members.ts), `compressed` being the file's or entry's size.
 */
export class FirstVolumeSink {
  /** the output so far while the header is not complete, or for a file that is not NIfTI */
  private chunks: Uint8Array[] = [];
  private length = 0;
  /** NIfTI: the bytes kept (header to the end of the first volume), and where the later volumes end */
  private kept: { out: Uint8Array; filled: number; declaredEnd: number } | null = null;
  private whole = false;
  /** bytes of output seen so far */
  private at = 0;

  constructor(
    private readonly budget: ByteBudget,
    private readonly pos: FilePosition,
    private readonly compressed: number,
  ) {}

  write(data: Uint8Array): void {
    if (this.kept) return this.keepOrDrop(data);
    this.budget.take(data.length);
    this.chunks.push(data);
    this.length += data.length;
    this.at += data.length;
    if (!this.whole && this.length >= NIFTI_HEADER_BYTES) this.decide();
  }

  finish(): Uint8Array {
    if (!this.kept && !this.whole) this.decide();
    return this.kept ? this.kept.out.subarray(0, this.kept.filled) : concat(this.chunks, this.length);
  }

  /** the header is in: NIfTI keeps its first volume from here on, anything else is held whole */
  private decide(): void {
    const head = concat(this.chunks, this.length);
    if (!looksLikeNifti(head)) {
      this.whole = true;
      return;
    }
    const { firstVolumeEnd, declaredEnd, volumes } = niftiExtent(head, this.pos);
    const limit = this.budget.limit;
    const readThrough = readThroughAllowance(limit, this.compressed);
    if (declaredEnd - firstVolumeEnd > readThrough) {
      throw new StudyTooLargeError(
        limit,
        `${named(this.pos)} declares ${volumes} volumes, ${humanBytes(declaredEnd)} once decompressed. Only the first is analysed; the later ones are read through to check the file, up to ${humanBytes(readThrough)} for this ${humanBytes(this.compressed)} file (${READ_THROUGH_RATIO} times its size, at least the study's ${humanBytes(limit)} limit and at most ${READ_THROUGH_FACTOR} times it). Upload the first volume alone (e.g. fslroi in.nii.gz first.nii.gz 0 1).`,
      );
    }
    // the first volume is allocated at once, so it is charged at once: one too large is refused before it is inflated
    const keep = Math.max(firstVolumeEnd, this.length);
    this.budget.take(keep - this.length);
    const out = new Uint8Array(Math.min(keep, firstVolumeEnd));
    const fits = Math.min(this.length, out.length);
    out.set(head.subarray(0, fits));
    this.kept = { out, filled: fits, declaredEnd };
    this.chunks = [];
    this.length = 0;
  }

  private keepOrDrop(data: Uint8Array): void {
    const k = this.kept!;
    const start = this.at;
    this.at += data.length;
    if (k.filled < k.out.length) {
      const n = Math.min(data.length, k.out.length - k.filled);
      k.out.set(data.subarray(0, n), k.filled);
      k.filled += n;
    }
    // bytes past the declared end are not volumes the header accounts for: charged (not held) as a whole file's were
    const beyond = this.at - Math.max(start, k.declaredEnd);
    if (beyond > 0) this.budget.take(beyond);
  }
}

/** 'The file' when it is the only one, else 'File 2 of 3' (as an empty file is named) */
function named(pos: FilePosition): string {
  const label = fileLabel(pos);
  return label === 'file 1 of 1' ? 'The file' : label.charAt(0).toUpperCase() + label.slice(1);
}

export function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
