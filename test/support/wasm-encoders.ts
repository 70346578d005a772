/**
 * JPEG-LS and JPEG 2000 streams for the DICOM fixtures, written by the codecs' own encoders (the
 * full builds of @cornerstonejs/codec-charls and codec-openjpeg; the service loads only their
 * decoders, in its codec thread). Loaded once per test file.
 */

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
  isUsingColorTransform?: boolean;
}
interface Encoder {
  getDecodedBuffer(info: FrameInfo): Uint8Array;
  getEncodedBuffer(): Uint8Array;
  encode(): void;
  delete(): void;
  setNearLossless?(near: number): void;
  setQuality?(lossless: boolean, quality: number): void;
  setDecompositions?(levels: number): void;
  setInterleaveMode?(mode: number): void;
}
type Factory = (arg: object) => Promise<Record<string, unknown>>;

let encoders: Promise<{ ls: new () => Encoder; j2k: new () => Encoder }> | undefined;

function load() {
  encoders ??= Promise.all([
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('@cornerstonejs/codec-charls/wasmjs') as Factory)({ print: () => undefined, printErr: () => undefined }),
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('@cornerstonejs/codec-openjpeg/wasmjs') as Factory)({ print: () => undefined, printErr: () => undefined }),
  ]).then(([ls, j2k]) => ({ ls: ls.JpegLSEncoder as new () => Encoder, j2k: j2k.J2KEncoder as new () => Encoder }));
  return encoders;
}

export interface WasmEncodeOptions {
  width: number;
  height: number;
  /** bits per sample (2–16) */
  bits: number;
  /** JPEG 2000: signed samples (two's complement in `samples`' low `bits` bits) */
  signed?: boolean;
  /** JPEG-LS NEAR (0: lossless) */
  near?: number;
  /** JPEG 2000: irreversible, at this quality (default: reversible, lossless) */
  lossy?: boolean;
  /** JPEG 2000 decomposition levels (default 5) */
  levels?: number;
  /** HTJ2K irreversible: OpenJPH's quantisation step ("quality"; default 0.001, near-lossless) */
  step?: number;
  /** colour: 3 components, `samples` interleaved (R G B …; default 1, grey) */
  components?: 1 | 3;
  /** JPEG 2000 / HTJ2K colour: code with the reversible colour transform (RCT; DICOM YBR_RCT) */
  colourTransform?: boolean;
  /** JPEG-LS colour: interleave mode (0 none: a scan per component, 1 line, 2 sample; default 2) */
  interleave?: 0 | 1 | 2;
}

/** Writes the samples (one per pixel, ≤ 8 bits as bytes, wider as little-endian 16-bit) into the encoder's input. */
function fill(e: Encoder, samples: ArrayLike<number>, o: WasmEncodeOptions, colourTransform: boolean): void {
  const components = o.components ?? 1;
  const input = e.getDecodedBuffer({ width: o.width, height: o.height, bitsPerSample: o.bits, componentCount: components, isSigned: o.signed ?? false, ...(colourTransform ? { isUsingColorTransform: o.colourTransform ?? false } : {}) });
  if (components === 3) {
    // CharLS reads planes for interleave mode 0 (none), interleaved pixels otherwise
    const n = o.width * o.height;
    const planar = !colourTransform && o.interleave === 0;
    const bytes = o.bits > 8 ? 2 : 1;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) {
        const at = (planar ? c * n + i : 3 * i + c) * bytes;
        const v = samples[3 * i + c];
        if (bytes === 2) (input[at] = v & 0xff), (input[at + 1] = (v >> 8) & 0xff);
        else input[at] = v;
      }
    }
    return;
  }
  const wide = o.bits > 8;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] & (wide ? 0xffff : 0xff);
    if (wide) (input[2 * i] = v & 0xff), (input[2 * i + 1] = v >> 8);
    else input[i] = v;
  }
}

export async function encodeJpegLs(samples: ArrayLike<number>, o: WasmEncodeOptions): Promise<Uint8Array> {
  const e = new (await load()).ls();
  try {
    fill(e, samples, o, false);
    if (o.components === 3) e.setInterleaveMode!(o.interleave ?? 2);
    if (o.near) e.setNearLossless!(o.near);
    e.encode();
    return Uint8Array.from(e.getEncodedBuffer());
  } finally {
    e.delete();
  }
}

export async function encodeJ2k(samples: ArrayLike<number>, o: WasmEncodeOptions): Promise<Uint8Array> {
  const e = new (await load()).j2k();
  try {
    fill(e, samples, o, true);
    e.setQuality!(!o.lossy, o.lossy ? 20 : 0);
    if (o.levels !== undefined) e.setDecompositions!(o.levels);
    e.encode();
    return Uint8Array.from(e.getEncodedBuffer());
  } finally {
    e.delete();
  }
}

interface Htj2kEncoder extends Encoder {
  setProgressionOrder(order: number): void;
}
let htj2k: Promise<new () => Htj2kEncoder> | undefined;

/** OpenJPH's progression orders (ojph::OJPH_PO_*): LRCP 0 … RPCL 2 (its default) … CPRL 4. */
export const HTJ2K_ORDER = { LRCP: 0, RPCL: 2 } as const;

/**
 * HTJ2K by OpenJPH's own encoder (@cornerstonejs/codec-openjph; the service loads the same build
 * in its codec thread). `lossy`: irreversible, quantisation step `step` (default 0.001; OpenJPH's "quality");
 * `order`: HTJ2K_ORDER (default RPCL).
 */
export async function encodeHtj2k(samples: ArrayLike<number>, o: WasmEncodeOptions & { order?: number }): Promise<Uint8Array> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  htj2k ??= (require('@cornerstonejs/codec-openjph/wasmjs') as Factory)({ print: () => undefined, printErr: () => undefined }).then((m) => m.HTJ2KEncoder as new () => Htj2kEncoder);
  const e = new (await htj2k)();
  try {
    fill(e, samples, o, true);
    e.setQuality!(!o.lossy, o.lossy ? (o.step ?? 0.001) : 0);
    if (o.levels !== undefined) e.setDecompositions!(o.levels);
    if (o.order !== undefined) e.setProgressionOrder(o.order);
    e.encode();
    return Uint8Array.from(e.getEncodedBuffer());
  } finally {
    e.delete();
  }
}
