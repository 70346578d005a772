/**
 * Issue 11 F2 — large decodes are bounded (a budget of pixels in flight, a queue, 503 beyond),
 * never on the event loop, and cancellable: an aborted analysis leaves the queue and gives its
 * pixels back.
 */
import sharp from 'sharp';
import { AnalysisService } from '../../src/classifier/analysis.service';
import { AnalysisTimeoutError, AnalysisUnavailableError } from '../../src/common/errors';
import { parseEnv } from '../../src/config/config.schema';
import { AppConfig } from '../../src/config/config.service';
import { ImageDecodeService, LARGE_IMAGE_PIXELS } from '../../src/inference/image-decode.service';
import { decodeImage } from '../../src/inference/image-decoder';
import type { ModelProvider } from '../../src/inference/model-provider';
import { PixelBudget } from '../../src/inference/pixel-budget';
import { displayFromLuma } from '../../src/inference/prepare';
import { PreparePool } from '../../src/inference/prepare-pool';
import { letterbox, toLuma } from '../../src/inference/preprocess';
import { Semaphore } from '../../src/inference/semaphore';
import { makeCard, TRIAGE_LABELS } from '../support/cards';

const settled = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => e);

describe('PixelBudget', () => {
  it('admits up to the budget, queues beyond it in order, refuses (503) beyond the queue', async () => {
    const b = new PixelBudget(100, 1);
    const r1 = await b.acquire(60);
    const second = b.acquire(60); // waits
    expect(b.queued).toBe(1);
    expect(await settled(b.acquire(10))).toBeInstanceOf(AnalysisUnavailableError); // queue full
    r1();
    const r2 = await second;
    expect(b.inUse).toBe(60);
    r2();
    r2(); // idempotent
    expect(b.inUse).toBe(0);
  });

  it('lets one image larger than the whole budget run alone', async () => {
    const b = new PixelBudget(100, 4);
    const big = await b.acquire(1000);
    expect(b.inUse).toBe(100);
    const small = b.acquire(1);
    expect(b.queued).toBe(1);
    big();
    (await small)();
    expect(b.inUse).toBe(0);
  });

  it('an aborted waiter leaves the queue with the reason and unblocks the ones behind it', async () => {
    const b = new PixelBudget(100, 4);
    const held = await b.acquire(50);
    const ac = new AbortController();
    const blocked = b.acquire(80, ac.signal);
    const behind = b.acquire(40); // FIFO: waits behind the 80
    expect(b.queued).toBe(2);
    ac.abort(new AnalysisTimeoutError(1));
    expect(await settled(blocked)).toBeInstanceOf(AnalysisTimeoutError);
    (await behind)();
    held();
    expect(b.inUse).toBe(0);
    expect(b.queued).toBe(0);
  });
});

describe('Semaphore with an AbortSignal', () => {
  it('takes an aborted waiter out of the queue', async () => {
    const sem = new Semaphore(1, 4);
    let open!: () => void;
    const first = sem.use(() => new Promise<void>((r) => (open = r)));
    const ac = new AbortController();
    const waiting = sem.use(async () => 'ran', ac.signal);
    expect(sem.queued).toBe(1);
    ac.abort(new AnalysisTimeoutError(1));
    expect(await settled(waiting)).toBeInstanceOf(AnalysisTimeoutError);
    expect(sem.queued).toBe(0);
    open();
    await first;
    expect(sem.inUse).toBe(0);
  });
});

/** A 16-bit RGBA PNG (the red team's format) of ~1.2 megapixels: large, but quick to build. */
async function rgba16(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 4);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
  return sharp(raw, { raw: { width, height, channels: 4 } }).toColourspace('rgb16').png({ compressionLevel: 1 }).toBuffer();
}

describe('ImageDecodeService', () => {
  const config = new AppConfig(parseEnv({ INFERENCE_POOL_SIZE: '2', INFERENCE_PIXEL_BUDGET: String(2 * LARGE_IMAGE_PIXELS), INFERENCE_PIXEL_QUEUE: '4', ANALYSIS_TIMEOUT_MS: '300' }));
  const pool = new PreparePool(config);
  const decoder = new ImageDecodeService(config, pool);
  const limits = { maxPixels: 40_000_000, minSide: 64 };
  afterAll(() => pool.onModuleDestroy());

  it('decodes a large image in a worker, pixel-identical to the inline decoder, and holds its pixels until released', async () => {
    const bytes = await rgba16(1200, 1000);
    const viaPool = jest.spyOn(pool, 'decode');
    const lease = await decoder.decode(bytes, limits);
    expect(viaPool).toHaveBeenCalledTimes(1);
    expect(decoder.budget.inUse).toBe(1_200_000);
    const inline = await decodeImage(bytes, limits);
    expect(lease.image).toMatchObject({ width: 1200, height: 1000, channels: inline.channels });
    expect(Buffer.from(lease.image.data).equals(Buffer.from(inline.data))).toBe(true);
    lease.release();
    expect(decoder.budget.inUse).toBe(0);
    viaPool.mockRestore();
  });

  it('with the models\' input sizes, a large image leaves the worker reduced (letterboxes + display, exactly as from its pixels) and gives its budget back at once', async () => {
    const bytes = await rgba16(1200, 1000);
    const lease = await decoder.decode(bytes, limits, undefined, [224, 256, 224]);
    expect(decoder.budget.inUse).toBe(0); // the pixels died in the worker
    const img = lease.image;
    expect(img.data.length).toBe(0);
    const luma = toLuma(await decodeImage(bytes, limits));
    expect(img.prepared!.boxes.map((b) => b.size)).toEqual([224, 256]);
    for (const b of img.prepared!.boxes) {
      const direct = letterbox(luma, 1200, 1000, b.size);
      expect(b.geometry).toEqual(direct.geometry);
      expect(Buffer.from(b.canvas.buffer).equals(Buffer.from(direct.canvas.buffer))).toBe(true);
    }
    const display = displayFromLuma(luma, 1200, 1000);
    expect([img.prepared!.display.width, img.prepared!.display.height]).toEqual([display.width, display.height]);
    expect(Buffer.from(img.prepared!.display.luma.buffer).equals(Buffer.from(display.luma.buffer))).toBe(true);
    // the pool's preparation answers from the reduced image what it would from the pixels
    const spec = { size: 256, normalization: { scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } };
    const [fromPrepared] = await pool.inputs(img, [spec]);
    const [fromPixels] = await pool.inputs(await decodeImage(bytes, limits), [spec]);
    expect(Buffer.from(fromPrepared.tensor.buffer).equals(Buffer.from(fromPixels.tensor.buffer))).toBe(true);
    lease.release();
  });

  it('an aborted reducing decode answers its caller at once but keeps its pixels in the budget until the worker is done', async () => {
    // libvips decodes on native threads that run to the end whatever happens to the JS side: a
    // budget given back on abort let the next large decode run beside one that was still going
    const bytes = await rgba16(1200, 1000);
    let finish: () => void = () => undefined;
    const viaPool = jest.spyOn(pool, 'decode').mockImplementation((_b, _h, _l, signal) => {
      expect(signal).toBeUndefined(); // the worker is not ended on abort
      return new Promise((_resolve, reject) => (finish = () => reject(new AnalysisTimeoutError(1))));
    });
    const ac = new AbortController();
    const pending = decoder.decode(bytes, limits, ac.signal, [224]);
    while (!viaPool.mock.calls.length) await new Promise((r) => setImmediate(r));
    ac.abort(new AnalysisTimeoutError(1));
    await expect(pending).rejects.toBeInstanceOf(AnalysisTimeoutError);
    expect(decoder.budget.inUse).toBe(1_200_000); // still decoding
    finish();
    await new Promise((r) => setImmediate(r));
    expect(decoder.budget.inUse).toBe(0);
    viaPool.mockRestore();
  });

  it('decodes small images inline, outside the budget', async () => {
    const viaPool = jest.spyOn(pool, 'decode');
    const lease = await decoder.decode(await sharp({ create: { width: 256, height: 256, channels: 3, background: '#808080' } }).png().toBuffer(), limits);
    expect(lease.image.width).toBe(256);
    expect(viaPool).not.toHaveBeenCalled();
    expect(decoder.budget.inUse).toBe(0);
    viaPool.mockRestore();
  });

  it('a timed-out analysis is cancelled: it leaves the budget queue and gives its pixels back', async () => {
    const triage = makeCard({ name: 'triage', kind: 'triage', labels: TRIAGE_LABELS });
    // models that only finish when told to (or when the analysis is aborted)
    const models: ModelProvider = {
      isReady: () => true,
      triageCard: () => triage,
      diagnosisCardFor: () => undefined,
      cards: () => [triage],
      versions: () => ({}),
      runImage: (_m, _i, signal) => new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
      heatmap: () => Promise.reject(new Error('unused')),
    };
    const service = new AnalysisService(config, models, decoder);
    const bytes = await rgba16(1200, 1000);
    const [a, b] = [service.analyze(bytes, { explain: false }), service.analyze(bytes, { explain: false })];
    const third = service.analyze(bytes, { explain: false }); // waits for the budget (2 MP)
    expect(await settled(a)).toBeInstanceOf(AnalysisTimeoutError);
    expect(await settled(b)).toBeInstanceOf(AnalysisTimeoutError);
    expect(await settled(third)).toBeInstanceOf(AnalysisTimeoutError);
    // the pixels come back once the workers are done with them (not before: that would let the
    // next large image decode beside them)
    for (let i = 0; i < 200 && decoder.budget.inUse > 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(decoder.budget.inUse).toBe(0);
    expect(decoder.budget.queued).toBe(0);
  });
});
