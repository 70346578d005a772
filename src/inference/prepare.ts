import { ColourParams, colourShare } from './colour-share';
import { letterbox, normalize, Normalization, PreparedPixels, Preprocessed, RawImage, resizeBilinearF, toLuma } from './preprocess';

/** One model input to build: the card's size and normalisation. */
export interface InputSpec {
  size: number;
  normalization: Normalization;
}

/** Grey image at display size (longest side ≤ maxSide), background for the heat map. */
export interface DisplayLuma {
  luma: Float32Array;
  width: number;
  height: number;
}

export interface Prepared {
  /** one per requested spec, same order */
  inputs: Preprocessed[];
  display: DisplayLuma;
}

export const DISPLAY_MAX_SIDE = 448;

/**
 * Each model's letterboxed tensor from one luma plane (identical specs share one computation).
 * Pure and CPU-heavy for large images: it runs in an inference worker, or a prepare-pool worker.
 */
export function inputsFromLuma(luma: Float32Array, width: number, height: number, specs: InputSpec[]): Preprocessed[] {
  const bySize = new Map<number, ReturnType<typeof letterbox>>();
  const byKey = new Map<string, Preprocessed>();
  return specs.map((spec) => {
    const key = JSON.stringify([spec.size, spec.normalization]);
    let p = byKey.get(key);
    if (!p) {
      let lb = bySize.get(spec.size);
      if (!lb) bySize.set(spec.size, (lb = letterbox(luma, width, height, spec.size)));
      p = { tensor: normalize(lb.canvas, spec.size, spec.normalization), geometry: lb.geometry, canvas: lb.canvas };
      byKey.set(key, p);
    }
    return p;
  });
}

/** The heat map's background: the luma plane at display size (itself, not a copy, when it fits). */
export function displayFromLuma(luma: Float32Array, width: number, height: number, maxSide = DISPLAY_MAX_SIDE): DisplayLuma {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  return { luma: w === width && h === height ? luma : resizeBilinearF(luma, width, height, w, h), width: w, height: h };
}

/** Everything at once from the pixels (luma computed once): the model inputs and the display luma. */
export function prepareImage(image: RawImage, specs: InputSpec[], displayMaxSide = DISPLAY_MAX_SIDE): Prepared {
  const luma = toLuma(image);
  return { inputs: inputsFromLuma(luma, image.width, image.height, specs), display: displayFromLuma(luma, image.width, image.height, displayMaxSide) };
}

/**
 * An image reduced to every given model size's letterbox and the display luma (see RawImage.prepared),
 * and the colour gate's measure when its parameters are given (the colour is gone after the luma).
 */
export function reduceImage(image: RawImage, sizes: number[], colour?: ColourParams): PreparedPixels {
  const luma = toLuma(image);
  const boxes = [...new Set(sizes)].map((size) => ({ size, ...letterbox(luma, image.width, image.height, size) }));
  return { boxes, display: displayFromLuma(luma, image.width, image.height), ...(colour ? { colourShare: colourShare(image, colour) } : {}) };
}

/** The model inputs of a reduced image (same results as inputsFromLuma on its full luma). */
export function inputsFromPrepared(p: PreparedPixels, specs: InputSpec[]): Preprocessed[] {
  return specs.map((spec) => {
    const box = p.boxes.find((b) => b.size === spec.size);
    if (!box) throw new Error(`no ${spec.size}-px letterbox was prepared`);
    return { tensor: normalize(box.canvas, spec.size, spec.normalization), geometry: box.geometry, canvas: box.canvas };
  });
}
