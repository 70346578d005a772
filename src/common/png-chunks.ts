/**
 * A PNG's chunk headers, read without decoding: the one walk behind the animation check
 * (validation/png-animation.ts), the gamma check (inference/image-decoder.ts) and PIL's readings
 * of transparency and orientation (inference/pil-reading.ts).
 * Chunk headers only, in 12-byte steps plus each chunk's declared length, no copy of the data; the walk
 * stops at the first IDAT or IEND, or where the list cannot be followed (truncated, bad length), which
 * is left to the decoder to refuse.
 */
export interface PngChunk {
  type: string;
  /** the chunk's declared data length */
  length: number;
  /** offset of its data in the file */
  dataAt: number;
}

export function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) >>> 0) + (bytes[at + 1] << 16) + (bytes[at + 2] << 8) + bytes[at + 3];
}

/**
 * Every chunk after the signature up to IEND (IDAT included). A chunk whose declared length runs
 * past the end is still yielded (its header was read); the walk stops after it.
 */
export function* pngChunks(bytes: Uint8Array): Generator<PngChunk> {
  let off = 8; // after the signature
  while (off + 8 <= bytes.length) {
    const type = String.fromCharCode(bytes[off + 4], bytes[off + 5], bytes[off + 6], bytes[off + 7]);
    if (type === 'IEND') return;
    const length = u32(bytes, off);
    yield { type, length, dataAt: off + 8 };
    off += 12 + length;
  }
}

/** The chunks after the signature and before IDAT/IEND; `reachedIdat` says whether the walk got there. */
export function pngChunksBeforeIdat(bytes: Uint8Array): { chunks: Generator<PngChunk>; reachedIdat: () => boolean } {
  let reached = false;
  function* walk(): Generator<PngChunk> {
    for (const c of pngChunks(bytes)) {
      if (c.type === 'IDAT') {
        reached = true;
        return;
      }
      yield c;
    }
  }
  return { chunks: walk(), reachedIdat: () => reached };
}
