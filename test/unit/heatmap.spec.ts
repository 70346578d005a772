import { camFocus, clamp255, colormap, FOCUS_MAX_HOT_SHARE, normaliseCam, renderHeatmap, sampleBilinear } from '../../src/explainability/heatmap';
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

  it('maps 0 to dark purple and 1 to yellow, the brightest colour at the peak', () => {
    expect(colormap(0)).toEqual([68, 1, 84]);
    expect(colormap(1)).toEqual([253, 231, 37]);
  });

  it('rises in brightness with the value: relative luminance strictly increasing over 0..1', () => {
    // WCAG relative luminance of sRGB: the hottest spot must not look duller than its rim (jet's dark red did)
    const lin = (c: number) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
    const lum = ([r, g, b]: [number, number, number]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    const ys = Array.from({ length: 1001 }, (_, i) => lum(colormap(i / 1000)));
    expect(ys.filter((y, i) => i > 0 && !(y > ys[i - 1])).length).toBe(0);
    expect(ys[1000] / ys[0]).toBeGreaterThan(20);
  });

  const square = (values: number[]) => {
    const geometry = letterboxGeometry(70, 70, 224);
    const luma = Float32Array.from({ length: 70 * 70 }, (_, i) => (i * 13) % 256);
    const out = renderHeatmap({ cam: Float32Array.from(values), camH: 7, camW: 7, classIndex: 0, geometry, luma, width: 70, height: 70 });
    return { out, luma };
  };
  const untouched = ({ out, luma }: ReturnType<typeof square>) => Array.from(luma).every((g, i) => [0, 1, 2].every((c) => out.data[i * 3 + c] === g));

  it('an all-zero map, or one with nothing above 0, gets no overlay: the image alone, focus none', () => {
    for (const v of [0, -2]) {
      const cam = new Array<number>(49).fill(v);
      expect(camFocus(Float32Array.from(cam)).focus).toBe('none');
      expect(untouched(square(cam))).toBe(true);
    }
  });

  it('a flat or nearly flat map gets no overlay (it would be painted hot everywhere)', () => {
    const flat = new Array<number>(49).fill(3);
    const nearlyFlat = flat.map((v, i) => v + (i % 5) * 0.1);
    const oneCold = flat.map((v, i) => (i === 0 ? 0 : v)); // (max − min) / max is 1, but the grid is hot everywhere
    for (const cam of [flat, nearlyFlat, oneCold]) {
      const f = camFocus(Float32Array.from(cam));
      expect([f.focus, f.hotShare > FOCUS_MAX_HOT_SHARE]).toEqual(['none', true]);
      expect(untouched(square(cam))).toBe(true);
    }
  });

  it('a map with a hot region is shown: focus region, the image coloured there', () => {
    const blob = Array.from({ length: 49 }, (_, i) => (Math.abs((i % 7) - 4) <= 1 && Math.abs(Math.floor(i / 7) - 2) <= 1 ? 5 : -1));
    expect(camFocus(Float32Array.from(blob))).toEqual({ focus: 'region', hotShare: 9 / 49, contrast: 1 });
    expect(untouched(square(blob))).toBe(false);
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
    expect(hot[1]).toBeGreaterThan(hot[2]); // hot: viridis' yellow end, green over blue
  });

  it('rounds like Math.round, clamped to 0..255', () => {
    const reference = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
    const values = [0, -0, -1, 0.49999999999999994, 0.5, 1.5, 2.5, 254.5, 254.50000000000003, 255, 255.5, 300, NaN];
    for (let k = 0; k <= 256; k++) for (const d of [-1e-9, -Number.EPSILON, 0, Number.EPSILON, 1e-9]) values.push(k + d, k + 0.5 + d);
    for (let i = 0; i < 100_000; i++) values.push(((i * 2654435761) % 2_800_000) / 10_000 - 10);
    const store = (x: number) => new Uint8Array([x])[0];
    expect(values.filter((v) => store(clamp255(v)) !== store(reference(v)))).toEqual([]);
  });

  it('equals the per-pixel definition (sampleBilinear → colormap → blend) byte for byte', () => {
    for (const [w, h, camH, camW] of [[256, 171, 6, 6], [135, 91, 7, 5], [107, 256, 12, 12], [300, 300, 5, 5]]) {
      const geometry = letterboxGeometry(w, h, 192);
      const cam = Float32Array.from({ length: 3 * camH * camW }, (_, i) => Math.sin(i * 1.7) * 3);
      const luma = Float32Array.from({ length: w * h }, (_, i) => (i * 37) % 256);
      const out = renderHeatmap({ cam, camH, camW, classIndex: 2, geometry, luma, width: w, height: h });
      const norm = normaliseCam(cam.subarray(2 * camH * camW));
      const expected = new Uint8Array(w * h * 3);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const u = ((geometry.x0 + ((x + 0.5) * geometry.nw) / w) * camW) / geometry.size - 0.5;
          const v = ((geometry.y0 + ((y + 0.5) * geometry.nh) / h) * camH) / geometry.size - 0.5;
          const heat = sampleBilinear(norm, camW, camH, u, v);
          const rgb = colormap(heat);
          const a = 0.6 * Math.sqrt(heat);
          for (let c = 0; c < 3; c++) expected[(y * w + x) * 3 + c] = Math.min(255, Math.max(0, Math.round(luma[y * w + x] * (1 - a) + rgb[c] * a)));
        }
      }
      expect(Buffer.from(out.data).equals(Buffer.from(expected))).toBe(true);
    }
  });
});
