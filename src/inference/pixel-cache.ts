import { DisplayLuma, displayFromLuma } from './prepare';
import { letterbox, LetterboxGeometry, PreparedPixels, RawImage, toLuma } from './preprocess';

/** An image as an inference worker receives it: `key` names it across messages; pixels only when the sender thinks they are needed. */
export interface ImageRef {
  key: number;
  width: number;
  height: number;
  channels: 1 | 3;
  data?: Uint8Array;
  /** a large image reduced where it was decoded (RawImage.prepared): cached as is */
  prepared?: PreparedPixels;
}

/**
 * Image objects as the workers know them: a key that stays the same for every message about one
 * image object, and the pixels when asked. A view into a larger buffer (a slice of a DICOM volume)
 * is cut out first: structured cloning copies a view's whole underlying buffer.
 */
export class ImageKeys {
  private readonly keys = new WeakMap<RawImage, number>();
  private next = 1;

  ref(image: RawImage, withPixels: boolean): ImageRef {
    let key = this.keys.get(image);
    if (key === undefined) this.keys.set(image, (key = this.next++));
    const ref: ImageRef = { key, width: image.width, height: image.height, channels: image.channels };
    if (!withPixels) return ref;
    if (image.prepared) return { ...ref, prepared: image.prepared };
    const d = image.data;
    return { ...ref, data: d.byteOffset === 0 && d.byteLength === d.buffer.byteLength ? d : d.slice() };
  }
}

export interface Letterboxed {
  canvas: Float32Array;
  geometry: LetterboxGeometry;
}

interface Entry {
  /** small images: the luma plane, from which each model's input and the display are made */
  luma?: Float32Array;
  /** large images: every model size's letterbox and the display, made once, the luma dropped */
  boxes?: Map<number, Letterboxed>;
  display?: DisplayLuma;
  bytes: number;
  at: number;
}

/**
 * What an inference worker keeps of an image between the messages of one analysis (triage,
 * diagnosis, heat map), so the pixels cross the thread boundary and are turned into luma once.
 * Small images keep their luma plane. A large one (above `largePixels`) would pin hundreds of MB
 * as luma, so on first sight every model size's letterbox and the display image are made from
 * it and only those (≈1 MB) are kept. Bounded by bytes and age; a miss without pixels answers
 * null and the sender resends them.
 */
export class PixelCache {
  private readonly entries = new Map<number, Entry>();
  private bytes = 0;

  constructor(
    private readonly budgetBytes: number,
    private readonly maxAgeMs: number,
    private readonly largePixels: number,
  ) {}

  /** The image letterboxed into size × size, or null when it is not cached and no pixels came. */
  letterbox(image: ImageRef, size: number, allSizes: number[]): Letterboxed | null {
    const e = this.entry(image, allSizes);
    if (!e) return null;
    const box = e.boxes?.get(size);
    if (box) return box;
    return e.luma ? letterbox(e.luma, image.width, image.height, size) : null;
  }

  /** The heat map's background (luma at display size), or null as for letterbox(). */
  display(image: ImageRef, allSizes: number[]): DisplayLuma | null {
    const e = this.entry(image, allSizes);
    if (!e) return null;
    return e.display ?? (e.luma ? displayFromLuma(e.luma, image.width, image.height) : null);
  }

  get size(): number {
    return this.entries.size;
  }

  private entry(image: ImageRef, allSizes: number[]): Entry | null {
    const now = Date.now();
    const hit = this.entries.get(image.key);
    if (hit) {
      // most recently used last; age counts from the last use
      this.entries.delete(image.key);
      this.entries.set(image.key, hit);
      hit.at = now;
      return hit;
    }
    if (image.prepared) {
      const p = image.prepared;
      const e: Entry = { boxes: new Map(p.boxes.map((b) => [b.size, b] as const)), display: p.display, bytes: p.display.luma.byteLength, at: now };
      for (const b of p.boxes) e.bytes += b.canvas.byteLength;
      return this.insert(image.key, e, now);
    }
    if (!image.data) return null;
    const { width, height } = image;
    const luma = toLuma({ width, height, channels: image.channels, data: image.data } satisfies RawImage);
    let e: Entry;
    if (width * height <= this.largePixels) {
      e = { luma, bytes: luma.byteLength, at: now };
    } else {
      const boxes = new Map(allSizes.map((s) => [s, letterbox(luma, width, height, s)] as const));
      const display = displayFromLuma(luma, width, height); // resized: far above 448 px a side
      let bytes = display.luma.byteLength;
      for (const b of boxes.values()) bytes += b.canvas.byteLength;
      e = { boxes, display, bytes, at: now };
    }
    return this.insert(image.key, e, now);
  }

  private insert(key: number, e: Entry, now: number): Entry {
    this.entries.set(key, e);
    this.bytes += e.bytes;
    this.evict(now, key);
    return e;
  }

  /** Oldest first, until within budget and age; never the entry just added. */
  private evict(now: number, keep: number): void {
    for (const [key, e] of this.entries) {
      if (key === keep) break;
      if (this.bytes <= this.budgetBytes && now - e.at <= this.maxAgeMs) break;
      this.entries.delete(key);
      this.bytes -= e.bytes;
    }
  }
}
