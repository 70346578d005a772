import { type AnalysisResult, decisionFields } from '../classifier/analysis-result';
import { encodePngDataUrl } from '../inference/image-encoder';
import { RawImage, resizeBilinearF, toLuma } from '../inference/preprocess';
import type { SliceResult } from './study-result';

/*
 * Each slice's entry in a study's answer: its own decision, its thumbnail and its heat map. Kept
 * apart from StudyService, which runs the study and decides it; this only shapes what each slice
 * shows on the page and in the API.
 */

export const THUMBNAIL_SIDE = 96;

/**
 * The slices' thumbnails, one slice at a time: each awaits its PNG encode, so the event loop gets a
 * turn between slices (Promise.all would run every slice's synchronous resize back to back first).
 */
export async function sliceThumbnails(images: RawImage[], signal: AbortSignal): Promise<string[]> {
  const thumbs: string[] = [];
  for (const image of images) {
    signal.throwIfAborted();
    thumbs.push(await thumbnail(image));
  }
  return thumbs;
}

/** ≤ 96 px grey thumbnail (same antialiased resample as preprocessing), PNG data URL. */
export async function thumbnail(img: RawImage): Promise<string> {
  const scale = Math.min(1, THUMBNAIL_SIDE / Math.max(img.width, img.height));
  const w = Math.max(1, Math.round(img.width * scale));
  const h = Math.max(1, Math.round(img.height * scale));
  const small = resizeBilinearF(toLuma(img), img.width, img.height, w, h);
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const v = Math.min(255, Math.max(0, Math.round(small[i])));
    rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = v;
  }
  return encodePngDataUrl(rgb, w, h, 3);
}

export function toSlice(r: AnalysisResult, index: number, position: number | null, thumbnailPng: string, map: { heatmap: string; label: string; focus: 'region' | 'none' } | null, usedForStudy: boolean): SliceResult {
  return {
    index,
    position,
    ...decisionFields(r),
    timingsMs: r.timingsMs,
    thumbnailPng,
    heatmap: map?.heatmap ?? null,
    heatmapLabel: map?.label ?? null,
    heatmapFocus: map?.focus ?? null,
    usedForStudy,
  };
}
