/*
 * The Huffman tables of a JPEG DHT segment (ITU-T T.81 C.2, F.2.2.3), as the lossless (jpeg-lossless.ts)
 * and DCT (jpeg-dct.ts) decoders both read them: one table from its 16 counts and its values, and the
 * entropy-coded data read with such tables.
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

/** How a decoder names where its entropy-coded data ran out, for its messages. */
export interface EntropyPlace {
  /** what the data should have lasted to: 'block' ('… before the last block') or 'row' */
  last: string;
  /** what is counted: 'block row' or 'row' */
  unit: string;
  /** the index of the one being decoded (from 0), read only when a message is written */
  at: () => number;
  /** how many there are */
  of: number;
}

/**
 * The entropy-coded data of a scan, from `pos`, a bit at a time (T.81 F.2.2.5): byte stuffing undone,
 * a marker or the end refused as truncation, Huffman codes read with a table, RSTm markers checked
 * at the end of each restart interval.
 */
export class EntropyReader {
  private acc = 0;
  private bits = 0;
  private restarts = 0;

  constructor(
    private readonly b: Uint8Array,
    private pos: number,
    private readonly fail: (why: string) => never,
    private readonly place: EntropyPlace,
  ) {}

  /** One Huffman-coded symbol of table `t`. */
  symbol(t: HuffmanTable): number {
    let code = 0;
    for (let len = 1; len <= 16; len++) {
      code = (code << 1) | this.bitsOf(1);
      if (code <= t.maxCode[len]) return t.values[t.offset[len] + code];
    }
    return this.fail('its entropy-coded data hold a code its Huffman table does not define');
  }

  /** The next `n` bits (1–16), most significant first. */
  bitsOf(n: number): number {
    while (this.bits < n) this.fill();
    this.bits -= n;
    return (this.acc >>> this.bits) & ((1 << n) - 1);
  }

  /** One more byte of entropy-coded data (an FF is followed by a stuffed 00); a marker or the end means the data ran out. */
  private fill(): void {
    const b = this.b;
    const p = this.place;
    if (this.pos >= b.length) this.fail(`its entropy-coded data end before the last ${p.last} (truncated)`);
    const v = b[this.pos];
    if (v === 0xff) {
      if (b[this.pos + 1] !== 0x00) this.fail(`its entropy-coded data end before ${p.unit} ${p.at() + 1} of ${p.of} (truncated, or a marker where data should be)`);
      this.pos++;
    }
    this.pos++;
    // 24 bits are enough (16 of code, 16 of value at most, refilled a byte at a time): the accumulator never overflows
    this.acc = ((this.acc << 8) | v) & 0xffffff;
    this.bits += 8;
  }

  /** At a restart interval's end: the rest of the byte is padding, then RSTm (m counting 0–7). */
  restart(): void {
    this.bits = 0;
    const b = this.b;
    while (b[this.pos] === 0xff && b[this.pos + 1] === 0xff) this.pos++; // fill bytes
    const m = 0xd0 + (this.restarts++ % 8);
    if (b[this.pos] !== 0xff || b[this.pos + 1] !== m) this.fail(`restart marker ${this.restarts} is missing (${this.place.unit} ${this.place.at() + 1})`);
    this.pos += 2;
  }
}
