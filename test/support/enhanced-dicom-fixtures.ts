/** Enhanced MR (multi-frame) DICOM fixtures, built in memory with dcmjs; and a hostile variant. */
import { DicomOptions, GreySlice, MARKER, newUid, part10 } from './study-fixtures';

export interface EnhancedOptions extends DicomOptions {
  /** Pixel Spacing in the shared Pixel Measures, [between rows, between columns] mm (default [0.8, 0.7]); null: none there */
  sharedSpacing?: [number, number] | null;
  /** Pixel Spacing of each frame in its own Pixel Measures (per-frame functional groups); null: none for that frame */
  frameSpacing?: ([number, number] | null)[];
  /** ImagePositionPatient of each frame (default [-100, -100, z]) */
  framePositions?: number[][];
  /** ImageOrientationPatient in each frame's own Plane Orientation (none shared), as scanners write it */
  perFrameOrientation?: boolean;
}

/**
 * One Enhanced MR object (multi-frame): the slices stored in the given frame order, each frame's
 * z (or `framePositions`) in PlanePositionSequence (per-frame functional groups); orientation (per frame
 * with `perFrameOrientation`), pixel spacing, rescale (slope 0.25, intercept −25) and window (128/256,
 * none with `window: false`) in the shared functional groups.
 */
export function dicomEnhanced(slices: GreySlice[], zOfFrame: number[], o: EnhancedOptions = {}): Buffer {
  const { width, height } = slices[0];
  const px = new Uint16Array(width * height * slices.length);
  slices.forEach((s, f) => {
    for (let i = 0; i < width * height; i++) px[f * width * height + i] = s.data[i] * 4 + 100;
  });
  const sharedSpacing = o.sharedSpacing === undefined ? [0.8, 0.7] : o.sharedSpacing;
  const orientation = o.orientation ?? [1, 0, 0, 0, 1, 0];
  const ds: Record<string, unknown> = {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.4.1',
    SOPInstanceUID: newUid(),
    Modality: o.modality ?? 'MR',
    PatientName: o.patientName ?? `${MARKER}^JANE`,
    PatientID: `${MARKER}-ID-123`,
    SeriesInstanceUID: o.seriesUid ?? '1.2.826.0.1.3680043.8.498.7',
    SeriesDescription: 'ENH T2',
    InstanceNumber: 1,
    NumberOfFrames: slices.length,
    Rows: height,
    Columns: width,
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 0,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    SharedFunctionalGroupsSequence: [
      {
        ...(o.perFrameOrientation ? {} : { PlaneOrientationSequence: [{ ImageOrientationPatient: orientation }] }),
        PixelMeasuresSequence: [sharedSpacing ? { PixelSpacing: sharedSpacing, SliceThickness: 3 } : { SliceThickness: 3 }],
        PixelValueTransformationSequence: [{ RescaleSlope: '0.25', RescaleIntercept: '-25', RescaleType: 'US' }],
        ...(o.window === false ? {} : { FrameVOILUTSequence: [{ WindowCenter: '128', WindowWidth: '256' }] }),
      },
    ],
    PerFrameFunctionalGroupsSequence: zOfFrame.map((z, f) => ({
      PlanePositionSequence: [{ ImagePositionPatient: o.framePositions?.[f] ?? [-100, -100, z] }],
      ...(o.perFrameOrientation ? { PlaneOrientationSequence: [{ ImageOrientationPatient: orientation }] } : {}),
      ...(o.frameSpacing?.[f] ? { PixelMeasuresSequence: [{ PixelSpacing: o.frameSpacing[f] }] } : {}),
    })),
    PixelData: [px.buffer],
    _vrMap: { PixelData: 'OW' },
  };
  return part10(ds, '1.2.840.10008.1.2.1');
}

/**
 * The file with `extra` empty items appended to its Per-frame Functional Groups Sequence, whose
 * NumberOfFrames stays as it was: 8 bytes an item, so 2,000,000 of them are a 16 MB file that
 * dicom-parser would turn into 2,000,000 objects before any check could see the frame count.
 */
export function withExtraPerFrameItems(file: Buffer, extra: number): Buffer {
  // dcmjs writes sequences with undefined length: the per-frame one ends with its delimiter
  // (FFFE,E0DD, length 0) right before Pixel Data (7FE0,0010), the only element after it
  const pixelData = file.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57]));
  const delimiter = Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  if (pixelData < 8 || !file.subarray(pixelData - 8, pixelData).equals(delimiter)) throw new Error('unexpected layout');
  const items = Buffer.alloc(8 * extra);
  for (let i = 0; i < extra; i++) items.writeUInt32LE(0xe000fffe, 8 * i); // (FFFE,E000), length 0
  return Buffer.concat([file.subarray(0, pixelData - 8), items, file.subarray(pixelData - 8)]);
}
