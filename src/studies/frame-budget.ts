import { LARGE_IMAGE_PIXELS, type PixelBudget } from '../inference/pixel-budget';

/**
 * The process's decoded-pixel budget (INFERENCE_PIXEL_BUDGET, ImageDecodeService.budget), shared
 * with uploads and report figures.
 */
export type FrameBudget = Pick<PixelBudget, 'acquire'>;

/**
 * Runs `read` — one study frame or slice decoded into buffers of its own (a DICOM frame of any
 * transfer syntax: native values, RLE planes, a JPEG through libvips; a NIfTI slice) — within
 * `budget` when it has more than LARGE_IMAGE_PIXELS pixels, as a large upload is: it waits in the
 * budget's FIFO queue (503 beyond it), leaves the queue on `signal` with the signal's reason, and
 * gives the pixels back exactly once when `read` has settled — success, failure or abort. Not
 * before: an aborted read still holds its buffers (a JPEG decode runs to its end on libvips's
 * threads) until it returns. A frame larger than the whole budget takes all of it and runs alone
 * (PixelBudget caps the weight); STUDY_MAX_SLICE_PIXELS is what bounds a study slice. Frames of at
 * most 1 MP never wait: a 256² slice costs less than a turn in the queue.
 */
export async function withFramePixels<T>(pixels: number, budget: FrameBudget | undefined, signal: AbortSignal | undefined, read: () => Promise<T> | T): Promise<T> {
  if (!budget || pixels <= LARGE_IMAGE_PIXELS) return read();
  const release = await budget.acquire(pixels, signal);
  try {
    return await read();
  } finally {
    release();
  }
}
