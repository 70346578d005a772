import { EmptyFileError } from '../common/errors';
import type { ByteBudget, StudyPart } from './archive';
import { isDicomPart10, isGzip, looksLikeBareDicom, looksLikeNifti, looksLikeNiftiPairHeader, otherArchiveName } from './file-kinds';
import { misCompressedNifti } from './nifti-compression';
import { gunzipStudyFile } from './nifti-gzip';
import { joinGzipPairs } from './gzip-pair';
import { analyzeRefused, isNiftiPairHeader, joinNiftiPair, pairHeaderRefused } from './nifti-pair';
import { SkippedList } from './skipped-files';
import { bareDicomRefused, FilePosition, fileLabel, otherArchiveRefused, UnsupportedStudyFileError } from './study-errors';

export interface SortedParts {
  dicom: StudyPart[];
  /** NIfTI volumes; of one that came gzip-compressed, its header and first volume only (nifti-gzip.ts) */
  nifti: { bytes: Uint8Array; part: StudyPart }[];
}

/**
 * Study parts → DICOM files and NIfTI volumes. A file uploaded on its own must be one of them (it
 * was chosen by the user: anything else is refused by name). A ZIP entry reaches here only when its
 * first bytes said DICOM, NIfTI or gzip (zip-members.ts skipped the rest); a gzip file is inflated
 * within the budget (a NIfTI one keeps its first volume only: nifti-gzip.ts), and one that holds
 * neither NIfTI nor DICOM is skipped like the other side files — a gzip-compressed DICOM is
 * refused, never skipped, since it is part of the series. A NIfTI-1 pair's .hdr and .img, the
 * upload's only two files, are one volume (nifti-pair.ts).
 */
export async function sortParts(parts: StudyPart[], budget: ByteBudget, skipped: SkippedList, signal?: AbortSignal): Promise<SortedParts> {
  const pair = joinNiftiPair(parts, budget); // a NIfTI-1 .hdr and its .img, the upload's only files
  if (pair) return { dicom: [], nifti: [pair] };
  // gzipped pairs: the upload's only two files, or by name in a ZIP (a raw pair in a ZIP: zip-pairs.ts)
  const { joined, used } = await joinGzipPairs(parts, budget, signal);
  const sorted: SortedParts = { dicom: [], nifti: joined };
  for (const part of parts) {
    if (used.has(part)) continue;
    // a file chosen on its own with nothing in it (still downloading or syncing): its type is not the problem
    if (part.entryName === undefined && part.bytes.length === 0) {
      const label = fileLabel(part.pos);
      throw new EmptyFileError(label === 'file 1 of 1' ? 'The file' : label.charAt(0).toUpperCase() + label.slice(1));
    }
    if (isDicomPart10(part.bytes)) {
      sorted.dicom.push(part);
      continue;
    }
    if (looksLikeNifti(part.bytes)) {
      sorted.nifti.push({ bytes: part.bytes, part });
      continue;
    }
    if (isGzip(part.bytes)) {
      let raw = await gunzipStudyFile(part.bytes, budget, part.pos, signal);
      // a .nii.gz gzipped again (`gzip -c`, a download saved with its Content-Encoding): one more layer is
      // read, the inner .gz held within the budget and its volumes bounded as any .nii.gz's; more → named
      if (isGzip(raw)) {
        raw = await gunzipStudyFile(raw, budget, part.pos, signal);
        if (isGzip(raw)) {
          throw new UnsupportedStudyFileError(
            `${fileLabel(part.pos)} is gzip-compressed three times or more; gunzip it until one layer is left (the .nii.gz) and upload that.`,
          );
        }
      }
      if (looksLikeNifti(raw)) {
        sorted.nifti.push({ bytes: raw, part });
        continue;
      }
      if (isDicomPart10(raw) || looksLikeBareDicom(raw, raw.length)) {
        throw new UnsupportedStudyFileError(`${fileLabel(part.pos)} is a gzip-compressed DICOM file, which is not read; upload the DICOM files uncompressed (or in a ZIP).`);
      }
      if (part.entryName !== undefined) {
        skipped.add(part.pos, part.entryName);
        continue;
      }
      const archive = otherArchiveName(raw); // a .tar.gz (`tar czf`)
      if (archive) throw otherArchiveRefused(fileLabel(part.pos), `${archive} archive (gzip-compressed)`);
    }
    // a NIfTI volume compressed as no NIfTI tool writes it (zlib, raw deflate, bzip2, zstd): named, with what to do
    const compressed = misCompressedNifti(part.bytes, part.pos);
    if (compressed) throw new UnsupportedStudyFileError(compressed);
    // a NIfTI file to its owner: "not a NIfTI file" would send them looking for another cause; the
    // pair's .img, which may come first, is named by its .hdr
    const header = parts.find((p) => p.entryName === undefined && looksLikeNiftiPairHeader(p.bytes));
    if (header) {
      throw new UnsupportedStudyFileError(
        isNiftiPairHeader(header.bytes)
          ? pairHeaderRefused(header.pos)
          : analyzeRefused(header.pos),
      );
    }
    if (looksLikeBareDicom(part.bytes, part.bytes.length)) throw bareDicomRefused(part.pos);
    const archive = otherArchiveName(part.bytes);
    if (archive) throw otherArchiveRefused(fileLabel(part.pos), `${archive} archive`);
    throw new UnsupportedStudyFileError(
      `${fileLabel(part.pos)} is not a DICOM (Part 10), NIfTI (.nii, .nii.gz) or ZIP file. Single JPEG/PNG images go to the image analysis instead.`,
    );
  }
  return sorted;
}

/** No DICOM or NIfTI file in the whole upload: says what was found instead. */
export function noStudyFile(skipped: SkippedList): UnsupportedStudyFileError {
  if (!skipped.count) return new UnsupportedStudyFileError('The upload holds no DICOM or NIfTI image.');
  const doc = skipped.document;
  if (doc) {
    const which = doc.label === 'file 1 of 1' ? 'The uploaded file' : `The upload's ${doc.label}`;
    return new UnsupportedStudyFileError(
      `${which} is ${doc.kind}, not a study: no DICOM or NIfTI file was found in the upload. Upload the series' DICOM files (or a ZIP of them) or a NIfTI volume.`,
    );
  }
  if (skipped.hasDirectory) {
    // a DICOMDIR copied without the folders it indexes: "no DICOM file was found" contradicted the
    // DICOM file its owner holds, and did not say that the images themselves are what is missing
    const index = "a DICOMDIR, the export's index, which lists the series' images but holds no image itself";
    return new UnsupportedStudyFileError(
      `No image was found in the upload: it holds ${skipped.count > 1 ? `${skipped.describe()}, among them ${index}` : `only ${index}`}. ` +
        'Upload the image files it lists (the folders beside it in the export, e.g. DICOM/ or IMAGES/), or a ZIP of the whole export.',
    );
  }
  const kinds = skipped.nonImageKinds;
  if (kinds.length) {
    // they are DICOM files: "no DICOM file was found" would contradict what the user holds
    return new UnsupportedStudyFileError(
      `No DICOM or NIfTI image was found in the upload: it holds ${skipped.describe()} — DICOM objects without an image (${kinds.join(', ')}) —, which a study does not read. Upload the series' image files (or a ZIP of them) or a NIfTI volume.`,
    );
  }
  return new UnsupportedStudyFileError(
    `No DICOM or NIfTI file was found in the upload: it holds ${skipped.describe()}, which a study does not read. Upload the series' DICOM files (or a ZIP of them) or a NIfTI volume.`,
  );
}
