import { Logger } from '@nestjs/common';
import { AnalysisUnavailableError } from '../../src/common/errors';
import { parseEnv } from '../../src/config/config.schema';
import { AppConfig } from '../../src/config/config.service';
import { PreparePool } from '../../src/inference/prepare-pool';
import { EXIT_CLEAN, fakeSpawn, outcome, THROW, WedgeSwitch } from '../support/wedging-workers';

/**
 * A pooled preparation worker that dies under a job: the job fails with 503 at once and the next
 * job runs on a fresh worker. The job deadline is set far above `outcome`'s guard, so a job left
 * waiting for it shows as 'still pending': a thread that ended with exit code 0 used to leave its
 * jobs (and every job sent to it later) waiting a whole INFERENCE_JOB_TIMEOUT_MS. Fake workers.
 */
describe('prepare pool: a worker thread that dies', () => {
  const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  const config = new AppConfig(parseEnv({ INFERENCE_POOL_SIZE: '1', INFERENCE_JOB_TIMEOUT_MS: '600000' }));
  let pool: PreparePool | undefined;
  afterEach(async () => {
    await pool?.onModuleDestroy();
    errors.mockClear();
  });
  afterAll(() => errors.mockRestore());

  const image = () => ({ width: 600, height: 600, channels: 1 as const, data: new Uint8Array(600 * 600) });

  it.each([
    ['an uncaught exception', THROW],
    ['exit code 0', EXIT_CLEAN],
  ] as const)('%s: its job fails with 503 at once, and the next job runs on a fresh worker', async (_name, mode) => {
    const wedge = new WedgeSwitch();
    const { spawn, spawned } = fakeSpawn(wedge);
    pool = new PreparePool(config, spawn);
    expect(await outcome(pool.display(image()))).toMatchObject({ width: 1 });
    wedge.next(mode);
    expect(await outcome(pool.display(image()))).toBeInstanceOf(AnalysisUnavailableError);
    expect(await outcome(pool.display(image()))).toMatchObject({ width: 1 });
    expect(spawned).toHaveLength(2);
  });
});
