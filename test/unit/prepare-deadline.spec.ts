import { Logger } from '@nestjs/common';
import sharp from 'sharp';
import { WorkerTimeoutError } from '../../src/common/errors';
import { parseEnv } from '../../src/config/config.schema';
import { AppConfig } from '../../src/config/config.service';
import { ImageDecodeService } from '../../src/inference/image-decode.service';
import { readImageHeader } from '../../src/inference/image-decoder';
import { PreparePool } from '../../src/inference/prepare-pool';
import { BadRequestError } from '../../src/common/errors';
import { fakeSpawn, outcome, SILENT, SPIN, WedgeSwitch } from '../support/wedging-workers';

/**
 * The decode / preparation workers under INFERENCE_JOB_TIMEOUT_MS (see worker-deadline.spec.ts
 * for the inference workers): a wedged large-image decode used to hold its share of the pixel
 * budget for ever (the budget waits for the job to settle), so after one or two every large
 * upload waited and then answered 503. Fake workers; no speed asserted.
 */
const MS = 200;
const limits = { maxPixels: 40_000_000, minSide: 64 };
/** 1100 × 1000 grey: above the 1-MP line, so decoded in a worker; cheap to build */
const largePng = () => sharp(Buffer.alloc(1100 * 1000, 200), { raw: { width: 1100, height: 1000, channels: 1 } }).png({ compressionLevel: 1 }).toBuffer();

describe('prepare pool: a wedged decode worker is ended at the job deadline', () => {
  const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  const config = new AppConfig(parseEnv({ INFERENCE_POOL_SIZE: '1', INFERENCE_JOB_TIMEOUT_MS: String(MS) }));
  let pool: PreparePool | undefined;
  afterEach(async () => {
    await pool?.onModuleDestroy();
    errors.mockClear();
  });
  afterAll(() => errors.mockRestore());

  function setUp() {
    const wedge = new WedgeSwitch();
    const { spawn, spawned } = fakeSpawn(wedge);
    pool = new PreparePool(config, spawn);
    return { wedge, spawned, pool, decoder: new ImageDecodeService(config, pool) };
  }

  it('a reducing decode (a worker of its own) that spins: 504, its pixel budget back, the next large image decodes', async () => {
    const { wedge, spawned, decoder } = setUp();
    const bytes = await largePng();
    wedge.next(SPIN);
    const err = await outcome(decoder.decode(bytes, limits, undefined, [224]));
    expect(err).toBeInstanceOf(WorkerTimeoutError);
    expect((err as Error).message).toBe(`A worker thread did not finish decoding the image within ${MS} ms; it was restarted. Please try again.`);
    expect(decoder.budget.inUse).toBe(0);
    expect(await outcome(spawned[0].exited)).toBe(1);
    const next = await outcome(decoder.decode(bytes, limits, undefined, [224]));
    expect(next).toMatchObject({ image: { width: 1100, height: 1000 } });
    expect(decoder.budget.inUse).toBe(0);
    expect(errors).toHaveBeenCalledTimes(1);
  });

  it('a pooled worker that spins: its jobs (the one it is stuck on, the decode queued behind) fail with 504, the pixels held for the decode come back, a fresh worker takes the next job', async () => {
    const { wedge, spawned, pool, decoder } = setUp();
    const bytes = await largePng();
    wedge.next(SPIN);
    const decode = decoder.decode(bytes, limits); // no sizes: the pooled worker (after reading the header)
    const display = pool.display({ width: 600, height: 600, channels: 1, data: new Uint8Array(600 * 600) }); // reaches the worker first
    expect(await outcome(decode)).toBeInstanceOf(WorkerTimeoutError);
    expect(await outcome(display)).toBeInstanceOf(WorkerTimeoutError);
    expect(decoder.budget.inUse).toBe(0);
    expect(await outcome(spawned[0].exited)).toBe(1);
    const lease = await outcome(decoder.decode(bytes, limits));
    expect(lease).toMatchObject({ image: { width: 1100 } });
    expect(spawned).toHaveLength(2);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(String(errors.mock.calls[0][0])).toMatch(/wedged: display had no answer within 200 ms.*2 job\(s\) failed/);
  });

  it('a pooled job whose caller aborted is still watched: the worker that never answers it is ended at its deadline', async () => {
    const { wedge, spawned, pool } = setUp();
    const bytes = await largePng();
    const header = await readImageHeader(bytes, limits);
    wedge.next(SILENT);
    const ac = new AbortController();
    const gone = new BadRequestError('gone');
    const aborted = pool.decode(bytes, header, limits, ac.signal);
    ac.abort(gone);
    expect(await outcome(aborted)).toBe(gone); // answered once, with the abort
    expect(await outcome(spawned[0].exited)).toBe(1); // ended at the deadline all the same
    expect(await outcome(pool.decode(bytes, header, limits))).toMatchObject({ width: 1100 });
    expect(spawned).toHaveLength(2);
    expect(errors).toHaveBeenCalledTimes(1);
  });
});
