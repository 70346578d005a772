import { colormap, normaliseCam, renderHeatmap, sampleBilinear } from '../../src/explainability/heatmap';
import { letterboxGeometry } from '../../src/inference/preprocess';

describe('heat map rendering', () => {
  it('clamps negatives and scales by the max', () => {
    expect(Array.from(normaliseCam(Float32Array.from([-1, 0, 2, 4])))).toEqual([0, 0, 0.5, 1]);
    expect(Array.from(normaliseCam(Float32Array.from([-1, -2])))).toEqual([0, 0]);
  });

  it('samples bilinearly with edge clamping', () => {
    const g = Float32Array.from([0, 1, 2, 3]);
    expect(sampleBilinear(g, 2, 2, 0.5, 0.5)).toBeCloseTo(1.5);
    expect(sampleBilinear(g, 2, 2, -3, -3)).toBe(0);
    expect(sampleBilinear(g, 2, 2, 9, 9)).toBe(3);
  });

  it('maps 0 to blue and 1 to dark red', () => {
    expect(colormap(0)).toEqual([0, 0, 143]);
    expect(colormap(1)).toEqual([128, 0, 0]);
  });

  it('puts the colour where the cam is hot, over the image region only', () => {
    // a wide 200×100 image letterboxed into 224: image rows 56..167 of the canvas
    const geometry = letterboxGeometry(200, 100, 224);
    const camH = 7;
    const camW = 7;
    const cam = new Float32Array(2 * camH * camW);
    // class 1: hot in the right-hand column, cold (negative) elsewhere
    for (let y = 0; y < camH; y++) for (let x = 0; x < camW; x++) cam[camH * camW + y * camW + x] = x === 6 ? 5 : -1;
    const luma = new Float32Array(200 * 100).fill(100);
    const out = renderHeatmap({ cam, camH, camW, classIndex: 1, geometry, luma, width: 200, height: 100 });
    expect([out.width, out.height]).toEqual([200, 100]);
    const px = (x: number, y: number) => Array.from(out.data.subarray((y * out.width + x) * 3, (y * out.width + x) * 3 + 3));
    expect(px(5, 50)).toEqual([100, 100, 100]); // cold: the image shows through untouched
    const hot = px(198, 50);
    expect(hot[0]).toBeGreaterThan(hot[2]); // hot: red dominates
  });

});
