import { ByteBudget, inflateGzip } from './archive';
import { FirstVolumeSink } from './first-volume';
import type { FilePosition } from './study-errors';

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
 * DICOM, a side file in a ZIP) is held whole within the budget, as before, for the caller to name.
 */
export async function gunzipStudyFile(bytes: Uint8Array, budget: ByteBudget, pos: FilePosition, signal?: AbortSignal): Promise<Uint8Array> {
  const sink = new FirstVolumeSink(budget, pos, bytes.length);
  await inflateGzip(bytes, pos, (data) => sink.write(data), signal);
  return sink.finish();
}

