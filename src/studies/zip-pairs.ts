import { humanBytes } from '../presentation/labels';
import type { ByteBudget } from './archive';
import { readThroughAllowance } from './first-volume';
import { analyzeRefused, isNiftiPairHeader, pairLayout, shortImg } from './nifti-pair';
import { FilePosition, fileLabel, StudyTooLargeError, UnsupportedStudyFileError } from './study-errors';
import type { ZipEntry } from './zip-directory';
import { readMember } from './zip-members';

/** A .hdr larger than this is not read as a pair's header (one with extensions is a few KB): it goes the ordinary way. */
const MAX_HDR_BYTES = 1024 * 1024;

/**
 * Entry index of each .hdr → that of the .img beside it: same folder, same stem, extensions in any
 * case ("sub-01/T1.hdr" and "sub-01/T1.img", "SCAN.HDR" and "SCAN.IMG"). A .img has no signature,
 * so inside a ZIP, where entry names are known, the name is what pairs it with its header.
 */
export function pairsByName(entries: readonly ZipEntry[]): Map<number, number> {
  const imgs = new Map<string, number>();
  entries.forEach((e, i) => {
    const m = /^(.+)\.img$/i.exec(e.name);
    if (m) imgs.set(m[1], i);
  });
  const pairs = new Map<number, number>();
  entries.forEach((e, i) => {
    const m = /^(.+)\.hdr$/i.exec(e.name);
    const img = m ? imgs.get(m[1]) : undefined;
    if (img !== undefined) pairs.set(i, img);
  });
  return pairs;
}

export interface PairEntry {
  e: ZipEntry;
  pos: FilePosition;
}

/**
 * A NIfTI-1 pair found by name in a ZIP, read as one volume as an uploaded pair is (nifti-pair.ts):
 * the .hdr's header made a single file's, then the .img's first volume. Both entries' CRC-32 are
 * checked over the whole entry; of the .img only the first volume is held and charged (a 4-D .img's
 * later volumes stream through the CRC, as a .nii's in a ZIP do, within the same bound from its
 * compressed size). An .img smaller than its header declares → 422 naming both; an Analyze 7.5
 * .hdr (no magic) → 415 by name, as uploaded. Null when the .hdr is not a header at all (then both
 * entries are read the ordinary way).
 */
export async function readZipPair(archive: Uint8Array, hdr: PairEntry, img: PairEntry, budget: ByteBudget, scan: ByteBudget, signal?: AbortSignal): Promise<Uint8Array | null> {
  if (hdr.e.size < 348 || hdr.e.size > MAX_HDR_BYTES) return null;
  const head = (await readMember(archive, hdr.e, hdr.pos, budget, scan, signal, { start: 0, end: 348, before: new Uint8Array(0) })).bytes;
  if (!head) return null;
  if (!isNiftiPairHeader(head)) {
    const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const analyze = (dv.getInt32(0, true) === 348 || dv.getInt32(0, false) === 348) && hdr.e.size <= 352;
    if (analyze) throw new UnsupportedStudyFileError(capital(analyzeRefused(hdr.pos)));
    return null;
  }
  const { header, firstStart, firstEnd, declared } = pairLayout(head, hdr.pos);
  if (img.e.size < declared) throw shortImg(img.pos, img.e.size, hdr.pos, declared);
  // a small deflated .img declaring gigabytes (a bomb) is refused from the directory, not inflated for seconds
  const allowance = readThroughAllowance(budget.limit, img.e.method === 0 ? Number.POSITIVE_INFINITY : img.e.compressedSize);
  if (img.e.size - (firstEnd - firstStart) > allowance) {
    throw new StudyTooLargeError(
      budget.limit,
      `${capital(fileLabel(img.pos))}, the .img of the NIfTI-1 pair ${fileLabel(hdr.pos)}, holds ${humanBytes(img.e.size)} once decompressed. Only its first volume is analysed; the rest is read through to check the archive, up to ${humanBytes(allowance)} for this ${humanBytes(img.e.compressedSize)} entry. Upload the first volume alone (e.g. fslroi in.hdr first.nii.gz 0 1).`,
    );
  }
  return (await readMember(archive, img.e, img.pos, budget, scan, signal, { start: firstStart, end: firstEnd, before: header })).bytes;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
