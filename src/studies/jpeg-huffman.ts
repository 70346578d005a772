/*
 * The Huffman tables of a JPEG DHT segment (ITU-T T.81 C.2, F.2.2.3), as the lossless (jpeg-lossless.ts)
 * and DCT (jpeg-dct.ts) decoders both read them: one table from its 16 counts and its values.
 */

export interface HuffmanTable {
  /** largest code of each length 1–16 (−1: none of that length) */
  maxCode: Int32Array;
  /** index into `values` of the first code of each length, minus that code */
  offset: Int32Array;
  values: Uint8Array;
}

/** The decoding table of `counts` (codes of each length 1–16) and `values`; `fail` is called for an over-subscribed table. */
export function huffmanTable(counts: Uint8Array, values: Uint8Array, fail: (why: string) => never): HuffmanTable {
  const maxCode = new Int32Array(17).fill(-1);
  const offset = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    offset[len] = k - code;
    code += counts[len - 1];
    k += counts[len - 1];
    if (counts[len - 1]) maxCode[len] = code - 1;
    // the codes of each length must fit in that length
    if (code > 2 ** len) fail('its Huffman table is over-subscribed');
    code <<= 1;
  }
  return { maxCode, offset, values };
}
