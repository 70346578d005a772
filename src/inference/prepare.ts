import { letterbox, normalize, Normalization, Preprocessed, RawImage, resizeBilinearF, toLuma } from './preprocess';

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
 * Everything the pipeline needs from the pixels, computed once: the luma plane, each model's
 * letterboxed tensor (identical specs share one computation) and a display-size luma for the
 * heat map. Pure and CPU-heavy for large images, so it runs in a worker thread (prepare-pool).
 */
export function prepareImage(image: RawImage, specs: InputSpec[], displayMaxSide = DISPLAY_MAX_SIDE): Prepared {
  const luma = toLuma(image);
  const bySize = new Map<number, ReturnType<typeof letterbox>>();
  const byKey = new Map<string, Preprocessed>();
  const inputs = specs.map((spec) => {
    const key = JSON.stringify([spec.size, spec.normalization]);
    let p = byKey.get(key);
    if (!p) {
      let lb = bySize.get(spec.size);
      if (!lb) bySize.set(spec.size, (lb = letterbox(luma, image.width, image.height, spec.size)));
      p = { tensor: normalize(lb.canvas, spec.size, spec.normalization), geometry: lb.geometry, canvas: lb.canvas };
      byKey.set(key, p);
    }
    return p;
  });
  const scale = Math.min(1, displayMaxSide / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  // At display size already: the luma plane itself (read-only from here on), not a copy.
  const displayLuma = width === image.width && height === image.height ? luma : resizeBilinearF(luma, image.width, image.height, width, height);
  const display = { luma: displayLuma, width, height };
  return { inputs, display };
}
