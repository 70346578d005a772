import type * as dicomParser from 'dicom-parser';
import { CorruptStudyError, FilePosition, fileLabel } from './study-errors';

/**
 * Rescale Slope (0028,1053) as written: null when absent or empty, NaN when it is not a number,
 * else its value — 0 included. Read `|| 1`, a slope of 0 became 1 while the intercept and the
 * window stayed, so a study was analysed from a mapping its file does not state.
 */
export function rawRescaleSlope(d: dicomParser.DataSet | undefined): number | null {
  if (!d?.elements.x00281053 || (d.string('x00281053') ?? '') === '') return null;
  return d.floatString('x00281053') ?? Number.NaN;
}

/**
 * The slope that maps stored values to the modality's (slope × stored + intercept, PS3.3
 * C.11.1.1.2; per frame in the Pixel Value Transformation macro, C.7.6.16.2.11): 1 when absent.
 * A slope of 0 maps every pixel to the intercept — a blank image — and DICOM, unlike NIfTI (whose
 * scl_slope 0 means "unscaled", nifti.ts), gives it no other meaning; it and a slope that is not a
 * number are refused by name (422), never replaced by a guess. `frame`: an Enhanced object's.
 */
export function checkedRescaleSlope(raw: number | null, pos: FilePosition, frame?: number): number {
  if (raw === null) return 1;
  if (raw !== 0 && Number.isFinite(raw)) return raw;
  const tag = `Rescale Slope (0028,1053)${frame === undefined ? '' : ` of frame ${frame + 1}`}`;
  const what =
    raw === 0
      ? 'is 0, which maps every pixel to the Rescale Intercept (a blank image); DICOM gives a slope of 0 no other meaning'
      : 'is not a number, so the pixel values it defines are unknown';
  throw new CorruptStudyError(
    `${fileLabel(pos)}: its ${tag} ${what} (pixel value = slope × stored value + intercept, PS3.3 C.11.1.1.2). The file's header is invalid: export the series again, or correct the tag (absent, the slope is 1).`,
  );
}
