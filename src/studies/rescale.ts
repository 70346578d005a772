import type * as dicomParser from 'dicom-parser';
import { CorruptStudyError, FilePosition, fileLabel } from './study-errors';

const SLOPE = 'x00281053';
const INTERCEPT = 'x00281052';

/**
 * Rescale Slope (0028,1053) and Intercept (0028,1052) as written: null when absent or empty, NaN
 * when not a number, else the value — a slope of 0 included. Read `|| 1` and `?? 0`, a slope of 0
 * became 1 and an intercept that is not a number 0, while the window stayed, so a study was
 * analysed from a mapping its file does not state.
 */
export interface RawRescale {
  slope: number | null;
  intercept: number | null;
}

export function rawRescale(d: dicomParser.DataSet | undefined): RawRescale {
  const raw = (tag: string) => (!d?.elements[tag] || (d.string(tag) ?? '') === '' ? null : (d.floatString(tag) ?? Number.NaN));
  return { slope: raw(SLOPE), intercept: raw(INTERCEPT) };
}

/**
 * The mapping of stored values to the modality's: value = slope × stored + intercept (PS3.3
 * C.11.1.1.2; per frame in the Pixel Value Transformation macro, C.7.6.16.2.11); absent, slope 1
 * and intercept 0. A slope of 0 maps every pixel to the intercept — a blank image — and DICOM,
 * unlike NIfTI (whose scl_slope 0 means "unscaled", nifti.ts), gives it no other meaning; it, and
 * either value when it is not a number, is refused by name (422), never replaced by a guess.
 * `frame`: an Enhanced object's; a value it leaves out is null (the top-level one applies).
 */
export function checkedRescale(raw: RawRescale, pos: FilePosition, frame?: number): RawRescale {
  const of = frame === undefined ? '' : ` of frame ${frame + 1}`;
  const refuse = (tag: string, what: string) =>
    new CorruptStudyError(
      `${fileLabel(pos)}: its ${tag}${of} ${what} (pixel value = slope × stored value + intercept, PS3.3 C.11.1.1.2). The file's header is invalid: export the series again, or correct the tag (absent, the slope is 1 and the intercept 0).`,
    );
  const { slope, intercept } = raw;
  if (slope === 0) throw refuse('Rescale Slope (0028,1053)', 'is 0, which maps every pixel to the Rescale Intercept (a blank image); DICOM gives a slope of 0 no other meaning');
  if (slope !== null && !Number.isFinite(slope)) throw refuse('Rescale Slope (0028,1053)', 'is not a number, so the pixel values it defines are unknown');
  if (intercept !== null && !Number.isFinite(intercept)) throw refuse('Rescale Intercept (0028,1052)', 'is not a number, so the pixel values it defines are unknown');
  return raw;
}
