import { Global, Logger, Module } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { SPAWN_WORKER } from '../../src/inference/spawn-worker';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, testConfig } from './app';
import { solidPng } from './images';
import { dicomSeries, syntheticSlice } from './study-fixtures';
import { endAll, Spawned, WedgeSwitch, wedgeableSpawn } from './wedging-workers';

/** The 4-slice DICOM series these suites send as a study (bright, so the fake triage says brain). */
export const WORKER_SERIES = dicomSeries(Array.from({ length: 4 }, (_, k) => syntheticSlice(96, 96, (x, y) => ((x + y + k) % 89 === 0 ? 250 : 255))));

export interface WedgeableApp {
  wedge: WedgeSwitch;
  /** every worker thread started, in order: a replacement adds one */
  spawned: Spawned[];
  /** Logger.error, silenced: a wedged or dead worker logs an error by design */
  errors: jest.SpiedFunction<Logger['error']>;
  /** the app (set in beforeAll) */
  readonly app: NestExpressApplication;
  readonly user: TestSession;
  /** one 256² PNG analysis */
  analyse: () => Promise<request.Response>;
  /** WORKER_SERIES as one study */
  study: () => request.Test;
}

/**
 * The whole app on the fake models with one inference worker and one model slot, its workers
 * behind wedgeable.worker.ts (the real worker scripts, one job of which can be made to hang or
 * die: wedging-workers.ts), and a logged-in user: the set-up of the crashed- and wedged-worker
 * suites. Call it in a describe; it registers the beforeAll that starts the app and the afterAll
 * that closes it and ends any worker left loading (close() never ends one mid-load). `config`:
 * the suite's deadlines and limits, over the defaults here.
 */
export function wedgeableApp(config: Record<string, string>): WedgeableApp {
  const wedge = new WedgeSwitch();
  const { spawn, spawned } = wedgeableSpawn(wedge);

  @Global()
  @Module({ providers: [{ provide: SPAWN_WORKER, useValue: spawn }], exports: [SPAWN_WORKER] })
  class WedgeableWorkers {}

  let app: NestExpressApplication | undefined;
  let user: TestSession | undefined;
  const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  beforeAll(async () => {
    app = await startApp(
      testConfig({ MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '1', INFERENCE_POOL_SIZE: '1', RATE_LIMIT_ANALYSES_PER_MINUTE: '1000', ...config }),
      [WedgeableWorkers],
    );
    user = await loginAs(app);
  });
  afterAll(async () => {
    await app?.close();
    await endAll();
    errors.mockRestore();
  });

  const started = () => {
    if (!app || !user) throw new Error('wedgeableApp: the app is started in beforeAll');
    return { app, user };
  };
  return {
    wedge,
    spawned,
    errors,
    get app() {
      return started().app;
    },
    get user() {
      return started().user;
    },
    analyse: async () => {
      const s = started();
      return request(s.app.getHttpServer()).post('/api/v1/analyses').set(s.user.bearer).attach('image', await solidPng(256, 256, 255), 'x.png');
    },
    study: () => {
      const s = started();
      let r = request(s.app.getHttpServer()).post('/api/v1/studies').set(s.user.bearer);
      WORKER_SERIES.forEach((f, i) => (r = r.attach('files', f, `f${i}.dcm`)));
      return r;
    },
  };
}
