import { Injectable } from '@nestjs/common';
import { untilAborted } from '../common/abort';
import { AppConfig } from '../config/config.service';
import type { ColourParams } from './colour-share';
import { DecodedImage, decodePixels, DecodeLimits, readImageHeader } from './image-decoder';
import { reportFigurePng } from './image-encoder';
import { LARGE_IMAGE_PIXELS, PixelBudget } from './pixel-budget';
import { PreparePool } from './prepare-pool';

export { LARGE_IMAGE_PIXELS };

export interface DecodeLease {
  image: DecodedImage;
  /** gives the image's pixels back to the budget; call when the analysis is over (idempotent) */
  release: () => void;
}

/**
 * Upload bytes → pixels, bounded (issue 11, F2): the header is read on the event loop (cheap,
 * checks the resolution); a large image then takes its pixel count from the PixelBudget and is
 * decoded in a worker, never on the event loop. With the models' input sizes it is reduced there
 * and the budget comes back when the decode ends; without them (callers that need the pixels)
 * it is held until the caller releases the lease, since the pixels live that long. Beyond the
 * budget, requests queue; beyond the queue, 503. The AbortSignal (timeout, client gone) takes a
 * waiting request out of the queue and answers an in-flight decode at once (a reducing decode's
 * thread is ended; a pooled one's pixels are given back when the worker has finished with them).
 */
@Injectable()
export class ImageDecodeService {
  readonly budget: PixelBudget;

  constructor(
    config: AppConfig,
    private readonly pool: PreparePool,
  ) {
    this.budget = new PixelBudget(config.pixelBudget, config.pixelQueueLimit);
  }

  /**
   * `sizes`: the input sizes of the models that will run. Given, a large image is reduced in the
   * worker to those letterboxes and the display (RawImage.prepared): its pixels never leave the
   * worker, so its share of the budget goes back as soon as the decode is over. `colour`: the colour
   * gate's parameters, measured there on the full pixels (RawImage.prepared.colourShare).
   */
  async decode(bytes: Buffer, limits: DecodeLimits, signal?: AbortSignal, sizes?: number[], colour?: ColourParams): Promise<DecodeLease> {
    const header = await readImageHeader(bytes, limits);
    signal?.throwIfAborted();
    const pixels = header.width * header.height;
    if (pixels <= LARGE_IMAGE_PIXELS) return { image: await decodePixels(bytes, header, limits), release: () => undefined };
    const release = await this.budget.acquire(pixels, signal);
    // The worker's decode is not interrupted: an aborted caller is answered at once, but the
    // pixels go back to the budget only when the worker is done with them (else the next large
    // image would be decoded beside this one and the budget would not bound memory). Ending the
    // worker on abort would not help: libvips decodes on native threads that run to the end
    // whatever happens to the JS thread, so the budget must wait for the worker's answer.
    const job = this.pool.decode(bytes, header, limits, undefined, sizes, colour);
    try {
      const image = await untilAborted(job, signal);
      if (image.prepared) {
        release();
        return { image, release: () => undefined };
      }
      return { image, release };
    } catch (err) {
      job.then(release, release);
      throw err;
    }
  }

  /**
   * The PDF figure of an upload (reportFigurePng). Every image above LARGE_IMAGE_PIXELS is made in
   * a worker under the pixel budget, as a decode is: a 16-bit grey one is scaled by its maximum in
   * a JS pass over every pixel (40 MP held the event loop for a quarter of a second or more) on
   * ~120 MB of pixels, and an 8-bit one is a libvips decode of as many pixels (the EXIF rotation
   * holds the whole image), which the budget must count or a few reports at once pass it. The
   * worker runs the same function, so the figure is byte for byte the one made here; small
   * images are made here (a worker round trip would cost more than they do).
   */
  async figure(bytes: Buffer, maxPixels: number, signal?: AbortSignal): Promise<Buffer> {
    const header = await readImageHeader(bytes, { maxPixels, minSide: 1 });
    const pixels = header.width * header.height;
    if (pixels <= LARGE_IMAGE_PIXELS) return reportFigurePng(bytes, maxPixels);
    const release = await this.budget.acquire(pixels, signal);
    const job = this.pool.figure(bytes, maxPixels);
    // as for decode: the pixels go back to the budget when the worker is done, not on abort
    job.then(release, release);
    return untilAborted(job, signal);
  }
}
