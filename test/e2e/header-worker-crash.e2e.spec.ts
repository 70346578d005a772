import { Global, Module } from '@nestjs/common';
import * as path from 'node:path';
import request from 'supertest';
import { HEADER_POOL_OPTIONS, HeaderPool, HeaderPoolOptions } from '../../src/studies/header-pool';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { bigHeader } from '../support/big-header-fixtures';
import { dicomSeries, syntheticSlice } from '../support/study-fixtures';

/**
 * The whole app (fake models) with its DICOM header workers (headers of more than 4,096 entries,
 * header-pool.ts) running test/support/crashing-header.worker.ts: the real worker, except that a
 * file holding CRASH-HEADER makes it run out of its heap, as a hostile file the entry count let
 * through would. Only that upload fails, with the named 422 and its words, never a 500 or a hang;
 * the process goes on and the next upload is read by a fresh worker. The options come in through
 * HEADER_POOL_OPTIONS, a DI token only a module the test imports can fill: nothing a request can reach.
 */
const crashing: Partial<HeaderPoolOptions> = {
  size: 1,
  resourceLimits: { maxOldGenerationSizeMb: 64 },
  script: path.join(__dirname, '../support/crashing-header.worker.ts'),
};

@Global()
@Module({ providers: [{ provide: HEADER_POOL_OPTIONS, useValue: crashing }], exports: [HEADER_POOL_OPTIONS] })
class CrashingHeaderWorker {}

/** Three slices of one series, each with ~10,000 header entries (a private sequence): every header goes to the worker. */
const series = (marked: number | null) =>
  dicomSeries(Array.from({ length: 3 }, (_, k) => syntheticSlice(64, 64, (x, y) => (x * 3 + y * 5 + k * 11) % 251))).map((f, k) => {
    const big = bigHeader(f, 5000);
    return k === marked ? Buffer.concat([big, Buffer.from('CRASH-HEADER')]) : big;
  });

describe('a header worker that dies on an uploaded file', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR }, imports: [CrashingHeaderWorker], sessions: { user: {} } });
  const { user } = h.sessions;

  const post = (files: Buffer[]) => {
    let r = request(h.server).post('/api/v1/studies').set(user.bearer);
    files.forEach((f, i) => (r = r.attach('files', f, `IM${i}.dcm`)));
    return r;
  };

  it("gives that upload a 422 CORRUPT_IMAGE naming the file; the next upload is read by a fresh worker and answered", async () => {
    const pool = h.get(HeaderPool);
    const first = await post(series(null));
    expect(first.status).toBe(200);
    const started = pool.started;
    expect(started).toBeGreaterThanOrEqual(1);

    const hostile = await post(series(1));
    expect(hostile.status).toBe(422);
    expect(hostile.body).toMatchObject({
      statusCode: 422,
      code: 'CORRUPT_IMAGE',
      message: 'File 2 of 3 could not be read: its header stopped the header reader (a damaged or hostile file).',
    });
    expect(pool.workers).toBe(0);

    const next = await post(series(null));
    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({ study: { format: 'dicom', sliceCount: 3 } });
    expect(pool.started).toBe(started + 1);
  });
});
