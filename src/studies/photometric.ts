/**
 * Photometric Interpretation defined terms (PS3.3 C.7.6.3.1.2), current and retired, with the
 * Samples per Pixel each may be used with: the standard fixes it for every term (MONOCHROME1/2 and
 * PALETTE COLOR "only when Samples per Pixel has a value of 1", RGB, HSV and the YBR terms 3, ARGB
 * and CMYK 4), so a header without Samples per Pixel (0028,0002) is read unambiguously from it.
 */
export const PHOTOMETRIC_SAMPLES: ReadonlyMap<string, number> = new Map([
  ...['MONOCHROME1', 'MONOCHROME2', 'PALETTE COLOR'].map((t) => [t, 1] as const),
  ...['RGB', 'HSV', 'YBR_FULL', 'YBR_FULL_422', 'YBR_PARTIAL_422', 'YBR_PARTIAL_420', 'YBR_ICT', 'YBR_RCT', 'XYB'].map((t) => [t, 3] as const),
  ...['ARGB', 'CMYK'].map((t) => [t, 4] as const),
]);

/** The samples per pixel the standard fixes for a Photometric Interpretation; 0 for none or an unknown one. */
export function samplesOf(photometric: string | null): number {
  return (photometric !== null && PHOTOMETRIC_SAMPLES.get(photometric)) || 0;
}
