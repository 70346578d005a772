/*
 * JPEG-LS (CharLS) and JPEG 2000 (OpenJPEG) through their WebAssembly builds from npm
 * (@cornerstonejs/codec-charls, @cornerstonejs/codec-openjpeg: MIT wrappers of BSD codecs). Run
 * in the codec worker only (codec.worker.ts): a JPEG 2000 frame of 2048² takes ~0.5 s of one
 * thread, which the event loop must not wait for. Each module is loaded once per worker, from
 * the package's own .wasm file (the Emscripten loader reads it with fs in Node: no network),
 * with its console output silenced (OpenJPEG prints [INFO] lines for every frame). Loading
 * installs no process handlers and no globals (checked in codec-thread.spec.ts).
 */

export type WasmCodec = 'jpeg-ls' | 'jpeg-2000';

/** What a decoder says of the frame it decoded. */
export interface WasmFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  /** JPEG 2000 only (JPEG-LS samples are unsigned) */
  isSigned?: boolean;
}

/** One decoded frame: samples of ≤ 8 bits one byte each, wider ones two bytes, little endian (two's complement when signed). */
export interface WasmFrame extends WasmFrameInfo {
  data: Uint8Array;
}

/** The embind classes both packages expose (JpegLSDecoder, J2KDecoder). */
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
 * (OpenJPEG answers a cut tile-part with a 0 × 0 frame rather than an error).
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
    return { width: info.width, height: info.height, bitsPerSample: info.bitsPerSample, componentCount: info.componentCount, isSigned: info.isSigned, data: Uint8Array.from(decoder.getDecodedBuffer()) };
  } finally {
    decoder.delete();
  }
}
