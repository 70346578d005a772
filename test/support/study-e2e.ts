import { syntheticSlice } from './study-fixtures';

/**
 * Shared by the study e2e specs on the fake models (class = mean brightness): a series bright
 * enough to be "brain" and "glioma", with a faint per-slice pattern so that no two slices match.
 */
const bright = (k: number) => syntheticSlice(128, 128, (x, y) => ((x + y + k) % 97 === 0 ? 250 : 255));
export const SERIES = Array.from({ length: 8 }, (_, k) => bright(k));
