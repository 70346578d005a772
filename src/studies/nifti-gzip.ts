import { ByteBudget, inflateGzip } from './archive';
import { ARCHIVE_SNIFF_BYTES, otherArchiveName } from './file-kinds';
import { FirstVolumeSink } from './first-volume';
import { FilePosition, fileLabel, otherArchiveRefused } from './study-errors';

/**
 * A gzip-compressed study file inflated for reading. A NIfTI file keeps its header, extensions and
 * first volume — the only one analysed — charged to the study's budget; the later volumes are
 * inflated and dropped as they come, so the gzip CRC-32 and length are still checked over the
 * whole file, and nothing else of them is held. Before any voxel, the header's declared size is
 * checked: later volumes beyond READ_THROUGH_FACTOR × the study limit, or beyond the limit and
 * READ_THROUGH_RATIO × the compressed size → 413 at once (a small .gz declaring a huge 4-D
 * volume — a bomb — is refused without inflating it), and bytes
 * beyond the declared end are charged to the study's budget as a whole file's were (a valid
 * header followed by gigabytes of zeros stops at the limit). A header refused by name (data type,
 * dimensions) is refused as soon as it is inflated. Anything that is not NIfTI (a gzip-compressed
 * DICOM, a side file in a ZIP) is held whole within the budget, as before, for the caller to name —
 * except a .tar.gz uploaded on its own, refused by name from its first 262 bytes: inflated whole,
 * one larger than the study limit was refused 413 "too large" before it could be named.
 */
export async function gunzipStudyFile(bytes: Uint8Array, budget: ByteBudget, pos: FilePosition, signal?: AbortSignal): Promise<Uint8Array> {
  const sink = new FirstVolumeSink(budget, pos, bytes.length);
  let head: Uint8Array | null = pos.entry === undefined ? new Uint8Array(0) : null; // a ZIP's side file is skipped, not refused
  await inflateGzip(
    bytes,
    pos,
    (data) => {
      if (head) {
        head = Buffer.concat([head, data.subarray(0, ARCHIVE_SNIFF_BYTES - head.length)]);
        if (head.length >= ARCHIVE_SNIFF_BYTES) {
          const archive = otherArchiveName(head);
          if (archive) throw otherArchiveRefused(fileLabel(pos), `${archive} archive (gzip-compressed)`);
          head = null;
        }
      }
      sink.write(data);
    },
    signal,
  );
  return sink.finish();
}
