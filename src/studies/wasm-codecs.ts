/*
 * JPEG-LS (CharLS), JPEG 2000 (OpenJPEG) and HTJ2K (OpenJPH) through their WebAssembly builds from
 * npm (@cornerstonejs/codec-charls, codec-openjpeg, codec-openjph: MIT wrappers of BSD codecs). Run
 * in the codec worker only (codec.worker.ts): a JPEG 2000 frame of 2048² takes ~0.5 s of one
 * thread, which the event loop must not wait for. Each module is loaded once per worker, from
 * the package's own .wasm file (the Emscripten loader reads it with fs in Node: no network),
 * with its console output silenced (OpenJPEG prints [INFO] lines for every frame). Loading
 * installs no process handlers and no globals (checked in codec-thread.spec.ts).
 */

export type WasmCodec = 'jpeg-ls' | 'jpeg-2000' | 'htj2k';

/** What a decoder says of the frame it decoded. */
export interface WasmFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  /** JPEG 2000 and HTJ2K only (JPEG-LS samples are unsigned) */
  isSigned?: boolean;
}

/** One decoded frame: samples of ≤ 8 bits one byte each, wider ones two bytes, little endian (two's complement when signed). */
export interface WasmFrame extends WasmFrameInfo {
  data: Uint8Array;
}

/** The embind classes the packages expose (JpegLSDecoder, J2KDecoder, HTJ2KDecoder). */
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): WasmFrameInfo;
  getDecodedBuffer(): Uint8Array;
  delete(): void;
}

interface ModuleArg {
  print: (text: string) => void;
  printErr: (text: string) => void;
}

type Factory = (arg: ModuleArg) => Promise<Record<string, unknown>>;

const LOADERS: Record<WasmCodec, { load: () => Factory; decoder: string }> = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'jpeg-ls': { load: () => require('@cornerstonejs/codec-charls/decodewasmjs') as Factory, decoder: 'JpegLSDecoder' },
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'jpeg-2000': { load: () => require('@cornerstonejs/codec-openjpeg/decodewasmjs') as Factory, decoder: 'J2KDecoder' },
  // one build with the encoder (the package ships no decoder-only one): 300 kB of .wasm
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  htj2k: { load: () => require('@cornerstonejs/codec-openjph/wasmjs') as Factory, decoder: 'HTJ2KDecoder' },
};

/** The decoder classes, each module instantiated on first use and reused (a fresh argument object each: embind registers its classes on it). */
const modules = new Map<WasmCodec, Promise<new () => WasmDecoder>>();

function decoderClass(codec: WasmCodec): Promise<new () => WasmDecoder> {
  let m = modules.get(codec);
  if (!m) {
    const { load, decoder } = LOADERS[codec];
    m = load()({ print: () => undefined, printErr: () => undefined }).then((mod) => mod[decoder] as new () => WasmDecoder);
    modules.set(codec, m);
  }
  return m;
}

/**
 * The codec refused the stream: a C++ exception (CharLS's reach JS as bare numbers), or `trap` — a
 * WebAssembly trap (out-of-bounds access, unreachable), after which the module's state cannot be
 * trusted and its worker is ended.
 */
export class WasmDecodeError extends Error {
  constructor(
    message: string,
    readonly trap = false,
  ) {
    super(message);
  }
}

/**
 * Decodes one frame; its samples are copied out of the WebAssembly memory before the decoder is
 * freed. A stream the codec refuses throws WasmDecodeError; so does one it "decodes" to nothing
 * (OpenJPEG answers a cut tile-part, OpenJPH a damaged main header, with a 0 × 0 frame rather than an error).
 */
export async function decodeWasm(codec: WasmCodec, bytes: Uint8Array): Promise<WasmFrame> {
  const Decoder = await decoderClass(codec);
  const decoder = new Decoder();
  try {
    decoder.getEncodedBuffer(bytes.length).set(bytes);
    try {
      decoder.decode();
    } catch (err) {
      // anything but the codec's own C++ exception (a WebAssembly RuntimeError, an embind error) counts as a trap
      const own = typeof err === 'number';
      throw new WasmDecodeError(own ? 'the codec refused the stream' : 'the codec failed on the stream', !own);
    }
    const info = decoder.getFrameInfo();
    if (!(info.width > 0 && info.height > 0 && info.componentCount > 0)) throw new WasmDecodeError('the codec decoded no image from the stream');
    const data = Uint8Array.from(decoder.getDecodedBuffer());
    clampSamples(data, info.bitsPerSample, info.isSigned === true);
    return { width: info.width, height: info.height, bitsPerSample: info.bitsPerSample, componentCount: info.componentCount, isSigned: info.isSigned, data };
  } finally {
    decoder.delete();
  }
}

/**
 * Wide samples (9–16 bits, little endian) put back into their precision's range. OpenJPH returns
 * irreversible (lossy) samples unclipped — 4096 for a white 12-bit pixel — which Bits Stored then
 * masks to 0, a black pixel where the image is brightest (the OpenJPEG build stayed in range on the
 * tests' lossy streams, but nothing in it promises to). Lossless streams never leave the range, so
 * this changes nothing there. Samples of ≤ 8 bits come back as bytes: nothing to clip at that width.
 */
export function clampSamples(data: Uint8Array, bits: number, signed: boolean): void {
  if (bits <= 8 || bits >= 16) return; // 16-bit words hold no value outside a 16-bit range
  const lo = signed ? -(2 ** (bits - 1)) : 0;
  const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  for (let i = 0; i + 1 < data.length; i += 2) {
    const word = data[i] | (data[i + 1] << 8);
    const v = signed || word > hi ? (word << 16) >> 16 : word; // an unsigned overshoot or undershoot reads as a 16-bit two's complement
    const c = v < lo ? lo : v > hi ? hi : v;
    if (c !== v) {
      data[i] = c & 0xff;
      data[i + 1] = (c >> 8) & 0xff;
    }
  }
}
