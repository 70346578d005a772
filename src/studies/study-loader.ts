import { nextTurn } from '../common/abort';
import type { RawImage } from '../inference/preprocess';
import { ByteBudget, expandUploads, StudyPart } from './archive';
import { isColour } from './colour-format';
import { isUnsupportedBodyPart } from './body-part';
import { identifierTokens } from './deidentify';
import { DicomInstance, HEADER_ENTRIES_PER_SLICE, isImage, readDicomHeader } from './dicom';
import type { HeaderPool } from './header-pool';
import { inHeaderTurn } from './header-turns';
import { assertJpegFrameHeaders, decodeFrame } from './dicom-pixels';
import { assertDecodable } from './dicom-codecs';
import { FrameBudget, withFramePixels } from './frame-budget';
import { readNifti } from './nifti';
import type { Plane } from './nifti-orientation';
import { assertOneSeries, leaveOutLocalizers, orderFrames, pixelFormat, round3 } from './series-assembly';
import { assertNoDivergentCopies, dropDuplicates } from './instance-copies';
import { checkSliceSize, mm, sliceSpacing, squarePlan } from './slice-checks';
import { SliceGap, sliceGaps, unevenSteps, type UnevenStep } from './slice-gaps';
import { frameLayout, orientFrame, shownSize } from './dicom-orientation';
import { SkippedFiles, SkippedList } from './skipped-files';
import { CorruptStudyError, fileLabel, MixedSeriesError, StudyTooLargeError, TooManySlicesError, UnsupportedStudyFileError } from './study-errors';
import { noStudyFile, sortParts } from './study-parts';
import type { PixelShape, SquarePlan } from './square-pixels';
import type { WindowVerdict } from './window-check';
import { SliceData, windowStudy } from './windowing';
import { definedWindow } from './voi-lut';

export interface StudyLimits {
  maxBytes: number;
  maxSlices: number;
  minSide: number;
  maxPixels: number;
}

/** Metadata a study may expose (and history may store): no other tag value ever. */
export interface StudyMeta {
  format: 'dicom' | 'nifti';
  /** DICOM Modality (0008,0060); null for NIfTI or when absent */
  modality: string | null;
  /** scrubbed, ≤ 64 characters; DICOM only */
  seriesDescription: string | null;
  sliceCount: number;
  width: number;
  height: number;
  /** millimetres (NIfTI: converted from the header's xyzt_units): columns, rows, between slice centres */
  spacing: { column: number | null; row: number | null; slice: number | null };
  /**
   * The size the slices were analysed, shown and thumbnailed at, with square physical pixels
   * (square-pixels.ts: `resampled` from an anisotropic spacing; `assumed_square` when the spacing
   * is unusable); null when no pixel was read (refused from the header).
   */
  display: { width: number; height: number; pixels: PixelShape } | null;
  /** how slices were ordered */
  ordering: 'position' | 'instance_number' | 'upload_order' | 'nifti_axis';
  /**
   * The plane the slices (and the heat maps over them) are shown in, in radiological convention
   * (axial and coronal: the patient's right on the image's left; sagittal: anterior on the left);
   * null when the orientation is unknown and they are shown as stored — then left and right
   * cannot be told — or no pixel was read.
   */
  plane: Plane | null;
  windowing: 'header' | 'percentile' | 'none';
  /** the DICOM header's window flattened the head and was not used (window-check.ts); null otherwise */
  headerWindowIgnored: WindowVerdict | null;
  /** DICOM transfer syntax UID or null */
  transferSyntax: string | null;
  /** NIfTI: volumes in the file (only the first is analysed) */
  volumes: number | null;
  files: number;
  /** files of the upload that were not read: ZIP side files (README, DICOMDIR, a viewer…), a DICOMDIR uploaded on its own */
  skipped: SkippedFiles;
  /** slices missing between the positions of a DICOM series (slice-gaps.ts); none known for NIfTI or without positions */
  gaps: SliceGap[];
  /** steps between positions unlike the series' spacing, yet no gap (slice-gaps.ts unevenSteps); none known where gaps are not */
  unevenSteps: UnevenStep[];
  /**
   * files (DICOM instances) left out as copies of other slices: the same SOP Instance UID, or the same
   * image under another UID (instance-copies.ts); the slice count is of the rest. 0 for NIfTI
   */
  copiesDropped: number;
}

export type LoadedStudy =
  | { kind: 'slices'; meta: StudyMeta; slices: { image: RawImage; position: number | null }[] }
  /** the header says this is not an MRI: refused before any pixel is decoded or model is run */
  | { kind: 'not_mri'; meta: StudyMeta }
  /** an MRI whose header names a body part the service does not analyse (`bodyPart`, the DICOM term): refused the same way */
  | { kind: 'unsupported_part'; meta: StudyMeta; bodyPart: string };

/**
 * Uploaded files → one ordered stack of 8-bit slices, or a refusal. Order of checks: limits
 * (while inflating) → file types → localizers and duplicate files left out (series-assembly.ts)
 * → one series → Modality = MR → Body Part Examined not plainly unsupported → transfer syntax →
 * pixel format and decoded size of every file → one image per position → pixels.
 * Everything stays in memory. Long loops yield to the event loop every few slices, so a large
 * study does not stall other requests; `signal` (the request's timeout or hang-up) is checked at
 * every such yield and before every slice, so a study nobody waits for any more stops within
 * one chunk of work (its reason is thrown) instead of being decoded to the end. A percentile-windowed study keeps its decoded slices
 * between the window's two passes up to STUDY_MAX_BYTES of float32 (the bound the decoded study
 * is already checked against; a 20-slice 512² study is 21 MB), so each is decoded once. `pixels`:
 * the decode budget shared with uploads: every frame or slice above 1 MP (DICOM native, RLE or
 * JPEG; NIfTI) holds its pixels from it while it is read (frame-budget.ts). `headers`: the workers
 * large DICOM headers are parsed in (the app's; the process's unless given).
 */
export async function loadStudy(files: Uint8Array[], limits: StudyLimits, signal?: AbortSignal, pixels?: FrameBudget, headers?: HeaderPool): Promise<LoadedStudy> {
  if (!files.length) throw new UnsupportedStudyFileError('No file was uploaded.');
  const budget = new ByteBudget(limits.maxBytes);
  const skipped = new SkippedList();
  const parts = await expandUploads(files, budget, limits.maxSlices, signal, skipped);
  const { dicom, nifti } = await sortParts(parts, budget, skipped, signal);
  if (nifti.length && dicom.length) throw new MixedSeriesError('kind of file (DICOM and NIfTI together)');
  if (nifti.length > 1) throw new MixedSeriesError('NIfTI volume');
  if (nifti.length === 1) return loadNifti(nifti[0].bytes, nifti[0].part, limits, files.length, skipped, signal, pixels);
  if (!dicom.length) throw noStudyFile(skipped);
  return loadDicom(dicom, budget, limits, files.length, skipped, signal, pixels, headers);
}

async function loadNifti(bytes: Uint8Array, part: StudyPart, limits: StudyLimits, files: number, skipped: SkippedList, signal?: AbortSignal, pixels?: FrameBudget): Promise<LoadedStudy> {
  const vol = readNifti(bytes, part.pos, limits.maxSlices);
  checkSliceSize(vol.width, vol.height, limits);
  const plan = squarePlan(vol.width, vol.height, vol.spacing, limits);
  // the resampled slices are held until the study ends: their growth counts like decoded bytes
  if (bytes.length + vol.count * Math.max(0, plan.width * plan.height - vol.width * vol.height) > limits.maxBytes) throw new StudyTooLargeError(limits.maxBytes);
  const slicePixels = vol.width * vol.height;
  // each read allocates the slice's float values: within the pixel budget, as DICOM frames
  const { images, windowing, headerWindowIgnored } = await windowStudy(vol.count, slicePixels, false, (i) => withFramePixels(slicePixels, pixels, signal, () => vol.readSlice(i)), {
    plan: () => plan,
    keepBytes: limits.maxBytes,
    signal,
  });
  return {
    kind: 'slices',
    meta: {
      format: 'nifti',
      modality: null,
      seriesDescription: null,
      sliceCount: images.length,
      width: vol.width,
      height: vol.height,
      spacing: vol.spacing,
      display: { width: plan.width, height: plan.height, pixels: plan.shape },
      ordering: 'nifti_axis',
      plane: vol.orientation.plane,
      windowing,
      headerWindowIgnored,
      transferSyntax: null,
      volumes: vol.volumes,
      files,
      skipped: skipped.summary(),
      gaps: [], // one volume: no slice can be missing from it
      unevenSteps: [], // …nor spaced unlike the others: one spacing for all
      copiesDropped: 0,
    },
    // mm along the slice axis; unknown without the header's spacing between slices (the index read as "3 mm")
    slices: images.map((image, i) => ({ image, position: vol.spacing.slice !== null ? round3(i * vol.spacing.slice) : null })),
  };
}

async function loadDicom(parts: StudyPart[], budget: ByteBudget, limits: StudyLimits, files: number, skipped: SkippedList, signal?: AbortSignal, pixels?: FrameBudget, pool?: HeaderPool): Promise<LoadedStudy> {
  const found: DicomInstance[] = [];
  let declared = 0;
  const entries = { left: HEADER_ENTRIES_PER_SLICE * limits.maxSlices }; // spent by every header, DICOMDIRs too
  for (let i = 0; i < parts.length; i++) {
    // each file may declare at most the frames the study still has room for
    const inst = await inHeaderTurn(() => readDicomHeader(parts[i].bytes, parts[i].pos, budget, { left: limits.maxSlices - declared, maxSlices: limits.maxSlices, entries }, signal, { pool }), signal);
    if (isImage(inst)) {
      found.push(inst);
      declared += inst.frames;
    } else {
      // the export's index (DICOMDIR) or its report, dose report, presentation states: not slices
      skipped.add(parts[i].pos, parts[i].entryName);
      if (inst.what) skipped.noteNonImage(inst.what);
      else skipped.noteDirectory();
    }
  }
  if (!found.length) throw noStudyFile(skipped);

  const notLocalizers = leaveOutLocalizers(found);
  const instances = dropDuplicates(notLocalizers);
  assertOneSeries(instances);
  assertNoDivergentCopies(instances);
  const first = instances[0];
  const sliceCount = instances.reduce((n, i) => n + i.frames, 0);
  if (sliceCount > limits.maxSlices) throw new TooManySlicesError(limits.maxSlices);

  const descriptions = [...new Set(instances.map((i) => i.seriesDescription).filter((d): d is string => !!d))];
  const baseMeta = {
    format: 'dicom' as const,
    modality: first.modality,
    seriesDescription: descriptions.length === 1 ? descriptions[0] : null,
    sliceCount,
    width: first.columns,
    height: first.rows,
    transferSyntax: first.transferSyntax,
    volumes: null,
    files,
    // said in the answer: 10 files uploaded and 8 slices analysed read as files lost, not copies left out
    copiesDropped: notLocalizers.length - instances.length,
    // the names lose what the headers say of the patient, as the description does; every file's, localizers too
    skipped: skipped.summary(skipped.count ? identifierTokens(new Set(found.flatMap((i) => i.identifiers))) : []),
  };

  // refused from the header alone: no pixel is decoded, so the metadata is the header's
  const headerMeta = (): StudyMeta => ({
    ...baseMeta,
    spacing: { column: mm(first.pixelSpacing?.[1]), row: mm(first.pixelSpacing?.[0]), slice: null },
    display: null,
    ordering: 'upload_order',
    plane: null,
    windowing: 'none',
    headerWindowIgnored: null,
    gaps: [],
    unevenSteps: [],
  });
  if (first.modality !== null && first.modality !== 'MR') return { kind: 'not_mri', meta: headerMeta() };
  const bodyParts = new Set(instances.map((i) => i.bodyPart));
  const bodyPart = bodyParts.size === 1 ? first.bodyPart : null;
  if (isUnsupportedBodyPart(bodyPart)) return { kind: 'unsupported_part', meta: headerMeta(), bodyPart };
  // Every file, not only the first, before any frame is decoded. Compressed frames (RLE, JPEG)
  // can decode to far more than their size: the decoded pixels, from the validated format,
  // count against the same study limit.
  // The square-pixel plan of each file too (its own Pixel Spacing): an impossible one is refused
  // here, and slices stretched to square pixels count their growth, since they are held to the end.
  // Each frame is shown radiologically (dicom-orientation.ts): the plan is of the shown slice, whose
  // columns may be the stored rows. One orientation for all (assertOneSeries; frames below).
  const layout = frameLayout(first.frameInfo?.[0]?.orientation ?? first.orientation);
  let decodedBytes = 0;
  const plans = new Map<DicomInstance, SquarePlan>();
  for (const inst of instances) {
    assertDecodable(inst);
    const format = pixelFormat(inst);
    checkSliceSize(inst.columns, inst.rows, limits);
    assertJpegFrameHeaders(inst, limits.maxPixels); // the size each JPEG frame declares, before any is decoded
    const shown = shownSize(layout, inst.columns, inst.rows);
    const [along, down] = layout?.transpose ? [0, 1] : [1, 0]; // Pixel Spacing is [between rows, between columns]
    const plan = squarePlan(shown.width, shown.height, { column: inst.pixelSpacing?.[along] ?? null, row: inst.pixelSpacing?.[down] ?? null }, limits);
    plans.set(inst, plan);
    decodedBytes += inst.frames * inst.rows * inst.columns * format.samples * format.bytesPerSample;
    decodedBytes += inst.frames * Math.max(0, plan.width * plan.height - inst.rows * inst.columns) * format.samples;
  }
  if (decodedBytes > limits.maxBytes) throw new StudyTooLargeError(limits.maxBytes);

  const { frames, ordering } = orderFrames(instances);
  const positions = frames.map((fr) => fr.position);
  const windowOf = (inst: DicomInstance, f: number) => {
    const w = inst.frameInfo?.[f]?.window;
    if (w) return w;
    return inst.windowCenter !== null && inst.windowWidth !== null ? { center: inst.windowCenter, width: inst.windowWidth, fn: inst.windowFunction } : null;
  };
  const headerWindows = frames.every(({ inst, f }) => {
    if (isColour(inst)) return true; // shown as its RGB, no window
    const w = windowOf(inst, f);
    return w !== null && definedWindow(w);
  });
  // 32-bit words are decoded relative to a value near the ones shown (decodeFrame): the header
  // window's centre, or for the percentile window one value of the data, the first grey frame's
  // first, shared by every frame (it costs that frame one more decode)
  const grey = frames.filter(({ inst }) => !isColour(inst));
  let dataOrigin = 0;
  if (!headerWindows && grey.length && grey.every(({ inst }) => inst.bitsAllocated === 32)) {
    const { inst, f } = grey[0];
    const d = await withFramePixels(inst.rows * inst.columns, pixels, signal, () => decodeFrame(inst, f, signal));
    dataOrigin = (d.kind === 'scalar' && d.values.find(Number.isFinite)) || 0;
  }
  // each frame's decode (and its turn to radiological order, a second buffer) holds its pixels from
  // the shared budget, whatever its transfer syntax: an RLE or native frame allocates as much as a JPEG one
  const { images, windowing, headerWindowIgnored } = await windowStudy(frames.length, first.rows * first.columns, headerWindows, (i) => withFramePixels(frames[i].inst.rows * frames[i].inst.columns, pixels, signal, async (): Promise<SliceData> => {
    const { inst, f } = frames[i];
    const win = windowOf(inst, f);
    const origin = !headerWindows ? dataOrigin : win && inst.bitsAllocated === 32 ? win.center : 0;
    const frame = await decodeFrame(inst, f, signal, origin);
    // header and JPEG disagree: a colour file whose frame has one component has no window to use
    if (frame.kind === 'scalar' && inst.samplesPerPixel !== 1) throw new CorruptStudyError(`${fileLabel(inst.pos)}: the JPEG frame is grey, but the header declares colour.`);
    if (frame.kind === 'rgb') {
      const shown = await orientFrame(frame.data, frame.width, frame.height, 3, layout, () => nextTurn(signal));
      return { rgb: { width: shown.width, height: shown.height, channels: 3, data: shown.data } };
    }
    const shown = await orientFrame(frame.values, frame.width, frame.height, 1, layout, () => nextTurn(signal));
    return {
      width: shown.width,
      height: shown.height,
      values: shown.data,
      window: win && origin ? { ...win, center: win.center - origin } : win,
      invert: inst.photometric === 'MONOCHROME1',
    };
  }), { plan: (i) => plans.get(frames[i].inst)!, keepBytes: limits.maxBytes, signal });
  const plan = plans.get(frames[0].inst)!;

  return {
    kind: 'slices',
    meta: {
      ...baseMeta,
      spacing: {
        column: mm(first.pixelSpacing?.[1]),
        row: mm(first.pixelSpacing?.[0]),
        slice: sliceSpacing(positions) ?? mm(first.sliceThickness),
      },
      display: { width: plan.width, height: plan.height, pixels: plan.shape },
      ordering,
      plane: layout?.plane ?? null,
      windowing,
      headerWindowIgnored,
      gaps: ordering === 'position' ? sliceGaps(positions) : [],
      unevenSteps: ordering === 'position' ? unevenSteps(positions) : [],
    },
    slices: images.map((image, i) => ({ image, position: frames[i].position })),
  };
}
