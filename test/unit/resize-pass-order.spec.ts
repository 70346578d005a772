/**
 * Pillow 13 (ml/ pins pillow==13.0.0) resamples vertically first where the height shrinks by more
 * than twice as many pixels as the width (Resample.c, ImagingResampleInner): the intermediate
 * image is then rounded to float32 in other places, and the port, which always went horizontally
 * first, was 1 ulp off there (letterboxes of images over ~2:1 tall: 7×300, 17×1000, 1021×3 in the
 * encoder campaign, up to 2.4e-7 of the normalised input).
 */
import { pillowVerticalFirst, resizeBilinearF } from '../../src/inference/preprocess';

/** exact in float32: (i·37 mod 251) + (i mod 7)/8 */
function source(w: number, h: number): Float32Array {
  return Float32Array.from({ length: w * h }, (_, i) => ((i * 37) % 251) + (i % 7) / 8);
}

// Image.fromarray(source(6, 31) as float32 [31, 6], 'F').resize((3, 12), Image.Resampling.BILINEAR) with
// Pillow 13.0.0, as float32 bit patterns (going horizontally first gives 11 of these 36 one ulp apart)
const PIL_6x31_TO_3x12 = [
  1121087496, 1117434072, 1124095839, 1126810927, 1124992868, 1117495303, 1121023622, 1126217710, 1123936528, 1121219055, 1120613770, 1126239581,
  1127239554, 1119663261, 1119275301, 1124225344, 1126895158, 1121783289, 1116664989, 1123435398, 1126398123, 1125957639, 1119614323, 1122128070,
  1125986447, 1125326658, 1117136468, 1119442772, 1125276269, 1127066850, 1123407960, 1118139999, 1124796172, 1127087329, 1124239656, 1118238296,
];

describe("resizeBilinearF follows Pillow 13's pass order", () => {
  it('6×31 → 3×12 (vertical first) is bit-identical to Pillow', () => {
    expect(pillowVerticalFirst(6, 31, 3, 12)).toBe(true);
    const out = resizeBilinearF(source(6, 31), 6, 31, 3, 12);
    expect(Array.from(new Uint32Array(out.buffer))).toEqual(PIL_6x31_TO_3x12);
  });

  it('chooses as Pillow does: the height must lose more than twice the pixels the width loses', () => {
    expect(pillowVerticalFirst(20, 20, 10, 5)).toBe(false); // 15 > 2·10 fails: horizontal first
    expect(pillowVerticalFirst(30, 30, 29, 5)).toBe(true);
    expect(pillowVerticalFirst(8, 8, 16, 4)).toBe(true); // the width grows
    expect(pillowVerticalFirst(16, 8, 32, 20)).toBe(false); // the height grows
    expect(pillowVerticalFirst(300, 300, 160, 160)).toBe(false); // a square letterbox
  });
});
