/**
 * What the test JPEG encoders (jpeg-lossless-fixtures.ts, jpeg-dct-fixtures.ts) share: the stream
 * written segment by segment and bit by bit (byte stuffing, one-padding, RSTm, EOI), and the Huffman
 * tables built from symbol frequencies or code lengths (T.81 C.2, K.2).
 */

/** A JPEG stream from SOI: marker segments, then entropy-coded bits, then EOI. */
export class JpegWriter {
  private readonly out: number[] = [0xff, 0xd8];
  private acc = 0;
  private bits = 0;

  /** A marker segment with its length field. */
  segment(marker: number, body: number[]): void {
    this.out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body);
  }

  /** The low `n` bits of `v`, most significant first. */
  put(v: number, n: number): void {
    for (let k = n - 1; k >= 0; k--) {
      this.acc = (this.acc << 1) | ((v >> k) & 1);
      if (++this.bits === 8) {
        this.out.push(this.acc);
        if (this.acc === 0xff) this.out.push(0); // byte stuffing
        this.acc = 0;
        this.bits = 0;
      }
    }
  }

  /** The end of a restart interval: the byte padded, then RSTm (m: 0–7). */
  restart(m: number): void {
    this.flush();
    this.out.push(0xff, 0xd0 + m);
  }

  /** The byte padded, EOI, and the whole stream. */
  end(): Uint8Array {
    this.flush();
    this.out.push(0xff, 0xd9);
    return Uint8Array.from(this.out);
  }

  private flush(): void {
    if (this.bits) this.put(0xff, 8 - this.bits); // pad with ones
  }
}

/**
 * Huffman code lengths from frequencies (null past 16 bits), with one unused symbol to keep the
 * all-ones code out (K.2). Ties go to the symbol met first in `freq`.
 */
export function fittedLengths(freq: Map<number, number>): Map<number, number> | null {
  const nodes = [...freq].map(([s, f]) => ({ f, syms: [s] }));
  nodes.push({ f: 0, syms: [-1] });
  const lengths = new Map<number, number>([...freq.keys(), -1].map((s) => [s, 0]));
  while (nodes.length > 1) {
    nodes.sort((a, b) => a.f - b.f);
    const [a, b] = nodes.splice(0, 2);
    for (const s of [...a.syms, ...b.syms]) lengths.set(s, lengths.get(s)! + 1);
    nodes.push({ f: a.f + b.f, syms: [...a.syms, ...b.syms] });
  }
  lengths.delete(-1);
  return [...lengths.values()].some((l) => l > 16) ? null : lengths;
}

/** Canonical codes (C.2) from each symbol's code length (0: not coded): DHT counts and values, and each symbol's code and length. */
export function canonical(lengths: Map<number, number>): { counts: number[]; values: number[]; codes: Map<number, number>; lengths: Map<number, number> } {
  const counts = new Array<number>(16).fill(0);
  const values: number[] = [];
  const codes = new Map<number, number>();
  const syms = [...lengths.keys()].sort((a, b) => a - b);
  let code = 0;
  for (let len = 1; len <= 16; len++) {
    for (const s of syms) {
      if (lengths.get(s) !== len) continue;
      counts[len - 1]++;
      values.push(s);
      codes.set(s, code++);
    }
    code <<= 1;
  }
  return { counts, values, codes, lengths };
}
