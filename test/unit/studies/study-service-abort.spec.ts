import { Logger } from '@nestjs/common';
import type { AnalysisResult } from '../../../src/classifier/analysis-result';
import type { AnalysisService } from '../../../src/classifier/analysis.service';
import type { Response } from 'express';
import { toErrorBody } from '../../../src/common/app-exception.filter';
import { parseEnv } from '../../../src/config/config.schema';
import { AppConfig } from '../../../src/config/config.service';
import { IdempotencyService } from '../../../src/idempotency/idempotency.service';
import type { ModelProvider } from '../../../src/inference/model-provider';
import type { IdempotencyKeyRepository } from '../../../src/repositories/idempotency-key.repository';
import { PixelBudget } from '../../../src/inference/pixel-budget';
import * as dicomPixels from '../../../src/studies/dicom-pixels';
import { memoryStudyStorage } from '../../../src/studies/memory-study-storage';
import { StudiesController } from '../../../src/studies/studies.controller';
import { StudyService } from '../../../src/studies/study.service';
import { dicomSeries, syntheticSlice } from '../../support/study-fixtures';
import { fakeRequest, upload } from '../../support/study-requests';

/**
 * A study upload whose client hangs up, or that runs past STUDY_TIMEOUT_MS, is answered at once
 * (client gone / 504) as before, and now also stops: no slice is decoded or analysed after the
 * abort, and the upload's bytes in flight come back once the work has stopped — not while it still
 * reads them, not twice. No wall clock is asserted: the hang-up is emitted from inside the work.
 */
const series = () =>
  dicomSeries(Array.from({ length: 20 }, (_, k) => syntheticSlice(128, 128, (x, y) => (x * 3 + y * 5 + k * 11) % 251)), { window: false });

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const turns = async (k: number) => {
  for (let i = 0; i < k; i++) await turn();
};

function setUp(env: Record<string, string>, analyzePixels: AnalysisService['analyzePixels']) {
  const config = new AppConfig(parseEnv({ INFERENCE_POOL_SIZE: '2', ...env }));
  const analysis = { analyzePixels: jest.fn(analyzePixels) };
  const models = { triageCard: () => ({}), cards: () => [], diagnosisCardFor: () => undefined } as unknown as ModelProvider;
  const service = new StudyService(config, analysis as unknown as AnalysisService, models, { budget: new PixelBudget(config.pixelBudget, config.pixelQueueLimit) });
  const storage = memoryStudyStorage(config.studyMaxBytes, config.studyMaxSlices, config.studyMaxInFlightBytes);
  // no Idempotency-Key on these requests: the service runs the study without its table
  const controller = new StudiesController(service, config, models, new IdempotencyService({} as IdempotencyKeyRepository, config));
  return { analysis, storage, controller, service };
}

/** POST /api/v1/studies as the controller sees it: the files held by the upload storage. */
async function uploaded(storage: ReturnType<typeof setUp>['storage']) {
  const r = fakeRequest();
  const files: Express.Multer.File[] = [];
  for (const b of series()) files.push({ buffer: await upload(storage, r.req, b) } as Express.Multer.File);
  return { ...r, files, bytes: files.reduce((n, f) => n + f.buffer.length, 0) };
}

/** Counts frame decodes, and those started with their (the study's) signal already aborted. */
function countDecodes(afterDecode?: (n: number) => void) {
  const n = { decodes: 0, decodesAfter: 0 };
  const decode = dicomPixels.decodeFrame;
  const spy = jest.spyOn(dicomPixels, 'decodeFrame').mockImplementation(async (inst, f, signal) => {
    if (signal?.aborted) n.decodesAfter++;
    const frame = await decode(inst, f, signal);
    n.decodes++;
    afterDecode?.(n.decodes);
    return frame;
  });
  return { n, restore: () => spy.mockRestore() };
}

describe('a study whose request is over stops, and gives its upload bytes back once', () => {
  const errors = jest.spyOn(Logger.prototype, 'error');
  afterAll(() => errors.mockRestore());

  it('client hangs up after the first slice is decoded: answered as a client abort at once, nothing more decoded or analysed, bytes held until then', async () => {
    const { analysis, storage, controller } = setUp({}, async () => ({}) as AnalysisResult);
    const up = await uploaded(storage);
    let heldAtHangUp = -1;
    const { n, restore } = countDecodes((k) => {
      if (k !== 1) return;
      up.res.emit('close'); // Node: the client closed the connection before the answer
      heldAtHangUp = storage.inFlightBytes; // the study still runs: its files are still in use
    });
    try {
      const err: unknown = await controller.create(up.files, {}, {}, up.req, up.res as unknown as Response).catch((e: unknown) => e);
      expect(toErrorBody(err)).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST' });
      await turns(3); // let the work reach its next check and the storage hear of it
      expect(n).toEqual({ decodes: 1, decodesAfter: 0 });
      expect(analysis.analyzePixels).not.toHaveBeenCalled();
      expect(heldAtHangUp).toBe(up.bytes);
      expect(storage.inFlightBytes).toBe(0);
      up.res.emit('close');
      expect(storage.inFlightBytes).toBe(0); // given back once, never twice
      expect(errors).not.toHaveBeenCalled(); // no 500, no error log
    } finally {
      restore();
    }
  });

  it('past STUDY_TIMEOUT_MS: 504 ANALYSIS_TIMEOUT as before, and no slice decoded after it', async () => {
    const { analysis, service } = setUp({ STUDY_TIMEOUT_MS: '1' }, async () => ({}) as AnalysisResult);
    const { n, restore } = countDecodes();
    let stopped: Promise<void> | undefined;
    try {
      const err: unknown = await service.analyze(series().map((b) => new Uint8Array(b)), {}, { onStopped: (s) => (stopped = s) }).catch((e: unknown) => e);
      expect(toErrorBody(err)).toMatchObject({ statusCode: 504, code: 'ANALYSIS_TIMEOUT' });
      expect(stopped).toBeDefined();
      await stopped;
      const decoded = n.decodes;
      await turns(50);
      expect(n.decodes).toBe(decoded); // stopped means stopped: nothing decoded in the background
      expect(decoded).toBeLessThan(20);
      expect(n.decodesAfter).toBe(0);
      expect(analysis.analyzePixels).not.toHaveBeenCalled();
    } finally {
      restore();
    }
  });

  it('aborted while slices are being analysed: no further slice starts, and "stopped" waits for those in flight', async () => {
    const inFlight: (() => void)[] = [];
    const signals: (AbortSignal | undefined)[] = [];
    const ac = new AbortController();
    const { analysis, service } = setUp({}, (_img, options) => {
      signals.push(options?.signal);
      return new Promise<AnalysisResult>((resolve) => inFlight.push(() => resolve({} as AnalysisResult)));
    });
    let stopped = false;
    const answer = service.analyze(series().map((b) => new Uint8Array(b)), {}, { signal: ac.signal, onStopped: (s) => void s.then(() => (stopped = true)) });
    for (let i = 0; i < 1000 && inFlight.length < 2; i++) await turn(); // the 20 slices are loaded first
    expect(inFlight.length).toBe(2); // both pool slots busy
    ac.abort(new Error('client gone'));
    const outcome = await Promise.race([answer.then(() => 'answered', (e: unknown) => e), turns(100).then(() => 'no answer')]);
    expect(outcome).toEqual(new Error('client gone')); // answered at once, not when the slices finish
    await turn();
    expect(stopped).toBe(false); // two slices are still being analysed
    inFlight.forEach((done) => done());
    await turn();
    expect(stopped).toBe(true);
    expect(analysis.analyzePixels).toHaveBeenCalledTimes(2);
    expect(signals.every((s) => s?.aborted)).toBe(true); // each slice's model runs could leave their queue with it
  });
});
