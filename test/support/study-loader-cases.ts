import { StudyLimits } from '../../src/studies/study-loader';
import { syntheticSlice } from './study-fixtures';

/** Shared by the loadStudy unit specs: limits generous enough that only the case under test trips one. */
export const LIMITS: StudyLimits = { maxBytes: 100 * 1024 * 1024, maxSlices: 400, minSide: 64, maxPixels: 40_000_000 };

/** n distinct 64 × 80 slices (a gradient shifted per slice), so that order mix-ups show. */
export const slices = (n: number) => Array.from({ length: n }, (_, k) => syntheticSlice(64, 80, (x, y) => (x * 3 + y + k * 10) % 256));

/** The error `fn` rejects with; fails the test when it resolves. */
export async function catchErr(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}
