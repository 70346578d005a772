import { humanBytes } from '../presentation/labels';
import { ByteBudget, inflateGzip, StudyPart } from './archive';
import { isGzip, sniffKind } from './file-kinds';
import { readThroughAllowance } from './first-volume';
import { analyzeRefused, isNiftiPairHeader, pairHeaderRefused, PairLayout, pairLayout, shortImg } from './nifti-pair';
import { CorruptStudyError, FilePosition, fileLabel, StudyTooLargeError, UnsupportedStudyFileError } from './study-errors';
import { RangeSink } from './zip-members';

/** A gzipped .hdr inflating to more than this is not a pair's header (one with extensions is a few KB). */
const MAX_HDR_BYTES = 1024 * 1024;

/** the gzip trailer's ISIZE: the (last member's) inflated size mod 2^32 — a probe, checked by zlib when inflated */
function trailerSize(gz: Uint8Array): number {
  return gz.length >= 18 ? new DataView(gz.buffer, gz.byteOffset, gz.byteLength).getUint32(gz.length - 4, true) : -1;
}

/**
 * A .hdr.gz's header, inflated: its first 348 bytes and its inflated size, or null when it is not gzip or
 * says it inflates to other than a header's size (a .nii.gz, a gzipped DICOM: read the ordinary way).
 */
export async function gunzipPairHeader(gz: Uint8Array, pos: FilePosition, signal?: AbortSignal): Promise<{ head: Uint8Array; size: number } | null> {
  const declared = trailerSize(gz);
  if (!isGzip(gz) || declared < 348 || declared > MAX_HDR_BYTES) return null;
  const head = new Uint8Array(348);
  let at = 0;
  await inflateGzip(
    gz,
    pos,
    (d) => {
      if (at < head.length) head.set(d.subarray(0, head.length - at), at);
      at += d.length;
      if (at > MAX_HDR_BYTES) throw new CorruptStudyError(`The compressed data of ${fileLabel(pos)} is corrupt (it inflates past the size it records).`);
    },
    signal,
  );
  return at >= head.length ? { head, size: at } : null;
}

/**
 * A gzipped pair's .img.gz, inflated: the pair's header made a single file's, then the first volume; the
 * later volumes inflate through the gzip CRC-32 and are dropped, within the read-through allowance of a
 * .nii.gz's (first-volume.ts: a header declaring more → 413 before inflating). An .img.gz that inflates to
 * less than its header declares → 422 naming both; one that inflates to a NIfTI or DICOM file is no .img
 * (415 naming the .hdr, as uploaded raw).
 */
export async function gunzipPairImg(gz: Uint8Array, pos: FilePosition, layout: PairLayout, hdrPos: FilePosition, budget: ByteBudget, signal?: AbortSignal): Promise<Uint8Array> {
  const { header, firstStart, firstEnd, declared } = layout;
  const kept = firstEnd - firstStart;
  const allowance = readThroughAllowance(budget.limit, gz.length);
  const tooLarge = (size: number, verb: string) =>
    new StudyTooLargeError(
      budget.limit,
      `${capital(fileLabel(pos))}, the .img of the NIfTI-1 pair ${fileLabel(hdrPos)}, ${verb} ${humanBytes(size)} once decompressed. Only its first volume is analysed; the rest is read through to check the file, up to ${humanBytes(allowance)} for this ${humanBytes(gz.length)} file. Upload the first volume alone (e.g. fslroi in.hdr first.nii.gz 0 1).`,
    );
  if (declared - kept > allowance) throw tooLarge(declared, 'is declared by its header to hold');
  const sink = new RangeSink(budget, { start: firstStart, end: firstEnd, before: header });
  const first = new Uint8Array(352);
  let at = 0;
  await inflateGzip(
    gz,
    pos,
    (d) => {
      if (at < first.length) {
        first.set(d.subarray(0, first.length - at), at);
        if (at + d.length >= first.length && sniffKind(first, declared) !== 'other') throw new UnsupportedStudyFileError(pairHeaderRefused(hdrPos));
      }
      sink.write(d);
      at += d.length;
      if (at - kept > allowance) throw tooLarge(at, 'holds more than');
    },
    signal,
  );
  if (at < declared) throw shortImg(pos, at, hdrPos, declared);
  return sink.finish();
}

/**
 * Gzipped NIfTI-1 pairs (.hdr.gz + .img.gz, as FSL's NIFTI_PAIR_GZ writes them), each read as one volume:
 * uploaded as the study's only two files (no names are sent: the one whose gzip says it inflates to a
 * header's size is probed), or side by side in a ZIP, found by their entry names ("T1.hdr.gz" beside
 * "T1.img.gz", extensions in any case). A "ni1" header → the other is its .img.gz, read as above; an
 * Analyze 7.5 header → 415 by name. Parts that turn out to be no such pair (two .nii.gz files, a
 * gzipped DICOM…) are left for the ordinary reading; `used` holds those joined.
 */
export async function joinGzipPairs(parts: StudyPart[], budget: ByteBudget, signal?: AbortSignal): Promise<{ joined: { bytes: Uint8Array; part: StudyPart }[]; used: Set<StudyPart> }> {
  const candidates: [StudyPart, StudyPart][] = [];
  if (parts.length === 2 && parts.every((p) => p.entryName === undefined && isGzip(p.bytes))) {
    const [a, b] = parts[0].bytes.length <= parts[1].bytes.length ? parts : [parts[1], parts[0]];
    candidates.push([a, b], [b, a]);
  }
  const imgs = new Map<string, StudyPart>();
  const stem = (p: StudyPart, ext: string) => {
    const m = new RegExp(`^(.+)\\.${ext}\\.gz$`, 'i').exec(p.entryName ?? '');
    return m && isGzip(p.bytes) ? `${p.pos.file}/${m[1]}` : null;
  };
  for (const p of parts) {
    const s = stem(p, 'img');
    if (s) imgs.set(s, p);
  }
  for (const p of parts) {
    const s = stem(p, 'hdr');
    const img = s ? imgs.get(s) : undefined;
    if (img) candidates.push([p, img]);
  }
  const joined: { bytes: Uint8Array; part: StudyPart }[] = [];
  const used = new Set<StudyPart>();
  for (const [hdr, img] of candidates) {
    if (used.has(hdr) || used.has(img)) continue;
    const inflated = await gunzipPairHeader(hdr.bytes, hdr.pos, signal);
    if (!inflated) continue;
    if (isNiftiPairHeader(inflated.head)) {
      budget.take(inflated.size);
      joined.push({ bytes: await gunzipPairImg(img.bytes, img.pos, pairLayout(inflated.head, hdr.pos), hdr.pos, budget, signal), part: hdr });
      used.add(hdr).add(img);
      continue;
    }
    const dv = new DataView(inflated.head.buffer);
    if ((dv.getInt32(0, true) === 348 || dv.getInt32(0, false) === 348) && inflated.size <= 352) throw new UnsupportedStudyFileError(capital(analyzeRefused(hdr.pos)));
  }
  return { joined, used };
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
