/**
 * The heat map lies where the model looked, on the image as displayed. A model whose attention
 * follows a bright blob is simulated exactly: its cam is the letterboxed input average-pooled to
 * the cam grid (as the test fixture models' cam is), so the hot cell is wherever the blob landed in
 * the model's canvas. The map rendered back over the display-size image must be hot over the blob
 * and nowhere else — for wide and tall images (letterbox padding on either axis), blobs in each
 * quadrant, a display image smaller than the upload, and a large upload reduced where it was
 * decoded (reduceImage: its letterboxes and display made without the full pixels kept).
 */
import { renderHeatmap } from '../../src/explainability/heatmap';
import { displayFromLuma, reduceImage } from '../../src/inference/prepare';
import { letterbox, toLuma, type LetterboxGeometry, type RawImage } from '../../src/inference/preprocess';

const SIZE = 224;
// finer than the models' 7 × 7 (the mapping does not depend on it): one cell is 8 canvas pixels, so
// a map shifted or stretched by a few pixels of the model's canvas misses the blob
const GRID = 28;

/** A black image with one bright disc at (u, v) (fractions of width and height), radius r of the short side. */
function blobImage(w: number, h: number, u: number, v: number, r = 0.05): RawImage {
  const data = new Uint8Array(w * h);
  const rad = r * Math.min(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x + 0.5 - u * w) ** 2 + (y + 0.5 - v * h) ** 2 < rad * rad) data[y * w + x] = 255;
  return { width: w, height: h, channels: 1, data };
}

/** cam of a model that attends to brightness: the canvas average-pooled to GRID × GRID (one class). */
function attentionCam(canvas: Float32Array): Float32Array {
  const cell = SIZE / GRID;
  const cam = new Float32Array(GRID * GRID);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) cam[Math.floor(y / cell) * GRID + Math.floor(x / cell)] += canvas[y * SIZE + x] / (cell * cell);
  return cam;
}

/**
 * The centre of the map's hot part, as fractions of the display width and height: on a black
 * background the colour alone shows; viridis is red over blue above ~0.73 of its scale, so the
 * weight red − blue is the part near the peak (the peak itself is a plateau where the blob covers
 * whole cells).
 */
function hotCentre(out: { width: number; height: number; data: Uint8Array }): [number, number] {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const o = (y * out.width + x) * 3;
      const w = Math.max(0, out.data[o] - out.data[o + 2]);
      sx += w * (x + 0.5);
      sy += w * (y + 0.5);
      n += w;
    }
  }
  return [sx / n / out.width, sy / n / out.height];
}

function render(cam: Float32Array, geometry: LetterboxGeometry, display: { luma: Float32Array; width: number; height: number }) {
  // the image itself is not blended in: the colour shows where the map is hot
  return renderHeatmap({ cam, camH: GRID, camW: GRID, classIndex: 0, geometry, luma: new Float32Array(display.luma.length), width: display.width, height: display.height });
}

describe('the heat map lies over the region the model attended to, on the displayed image', () => {
  /**
   * The hot part's centre within half a cam cell of the blob's (the pooling quantises it to the
   * grid), in the image's own scale (a cell is more of a wide image's height than of its width).
   */
  const near = (x: number, y: number, u: number, v: number, g: LetterboxGeometry) => {
    const cell = SIZE / GRID;
    const off = [Math.abs(x - u) / (cell / g.nw), Math.abs(y - v) / (cell / g.nh)];
    return off.map((o) => o < 0.5);
  };

  it.each([
    ['wide 1000 × 400, upper right', 1000, 400, 0.8, 0.25],
    ['wide 1000 × 400, lower left', 1000, 400, 0.2, 0.75],
    ['tall 300 × 900, upper left', 300, 900, 0.25, 0.2],
    ['tall 300 × 900, lower right', 300, 900, 0.75, 0.8],
    ['square 256 × 256, off-centre', 256, 256, 0.7, 0.3],
    ['small wide 120 × 64 (display as is), right', 120, 64, 0.8, 0.5],
  ])('%s', (_name, w, h, u, v) => {
    const image = blobImage(w, h, u, v);
    const luma = toLuma(image);
    const { canvas, geometry } = letterbox(luma, w, h, SIZE);
    const display = displayFromLuma(luma, w, h);
    const out = render(attentionCam(canvas), geometry, display);
    expect([out.width / out.height]).toEqual([expect.closeTo(w / h, 1)]);
    const [x, y] = hotCentre(out);
    expect(near(x, y, u, v, geometry)).toEqual([true, true]);
  });

  it('a large upload reduced where it was decoded: its letterbox and display agree with each other', () => {
    const [w, h, u, v] = [2400, 1000, 0.15, 0.7];
    const image = blobImage(w, h, u, v);
    const reduced = reduceImage(image, [SIZE]);
    const box = reduced.boxes[0];
    const out = render(attentionCam(box.canvas), box.geometry, reduced.display);
    expect([out.width, out.height]).toEqual([448, 187]);
    const [x, y] = hotCentre(out);
    expect(near(x, y, u, v, box.geometry)).toEqual([true, true]);
  });
});
