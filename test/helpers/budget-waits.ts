import type { AnalysisService } from '../../src/classifier/analysis.service';
import { toErrorBody } from '../../src/common/app-exception.filter';
import { AnalysisTimeoutError } from '../../src/common/errors';
import { parseEnv } from '../../src/config/config.schema';
import { AppConfig } from '../../src/config/config.service';
import type { ModelProvider } from '../../src/inference/model-provider';
import { PixelBudget } from '../../src/inference/pixel-budget';
import { loadStudy } from '../../src/studies/study-loader';
import { StudyService } from '../../src/studies/study.service';
import { catchErr, LIMITS } from '../support/study-loader-cases';

/**
 * The waits every kind of large study frame does in the process's decode budget (JPEG Baseline in
 * study-pixel-budget.spec.ts; RLE, native and NIfTI in study-frame-budget.spec.ts): one set of
 * cases, each given the frame's file and a spy that records the budget in use as its decode starts.
 */
export const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
export async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await turn();
  expect(cond()).toBe(true);
}

/** A spy on a frame's decode: the budget in use as each one started; restore() removes the spy. */
export interface Watch {
  seen: number[];
  restore: () => void;
}
export type WatchDecodes = (budget: PixelBudget) => Watch;

/** A study that gave up waiting: nothing decoded, out of the queue, the other image's 2 MP still all that is held. */
export function expectLeftUntouched(seen: number[], budget: PixelBudget, other: () => void): void {
  expect(seen).toEqual([]);
  expect([budget.inUse, budget.queued]).toEqual([2_000_000, 0]);
  other();
  expect(budget.inUse).toBe(0);
}

/** `held` of a `limit` budget taken by another image: the frame waits, not decoded beside it, then decodes alone taking `taken`. */
export async function expectWaitsForBudget(file: Uint8Array, watch: WatchDecodes, limit: number, held: number, taken: number): Promise<void> {
  const budget = new PixelBudget(limit, 4);
  const other = await budget.acquire(held); // e.g. a large upload being decoded
  const { seen, restore } = watch(budget);
  try {
    const study = loadStudy([file], LIMITS, undefined, budget);
    await until(() => budget.queued === 1);
    for (let i = 0; i < 20; i++) await turn();
    expect(seen).toEqual([]); // not decoded beside the other image
    other();
    expect((await study).kind).toBe('slices');
    expect(seen).toEqual([taken]); // alone
    expect([budget.inUse, budget.queued]).toEqual([0, 0]);
  } finally {
    restore();
  }
}

/** Aborted while it waits: the study rejects with the reason and leaves the queue, nothing decoded or taken. */
export async function expectAbortWhileWaiting(file: Uint8Array, watch: WatchDecodes): Promise<void> {
  const budget = new PixelBudget(2_000_000, 4);
  const other = await budget.acquire(2_000_000);
  const ac = new AbortController();
  const { seen, restore } = watch(budget);
  try {
    const study = catchErr(() => loadStudy([file], LIMITS, ac.signal, budget));
    await until(() => budget.queued === 1);
    ac.abort(new AnalysisTimeoutError(1));
    expect(await study).toBeInstanceOf(AnalysisTimeoutError);
    expectLeftUntouched(seen, budget, other);
  } finally {
    restore();
  }
}

/** Through StudyService: waiting past STUDY_TIMEOUT_MS is a 504, and the study leaves the queue. */
export async function expectStudyTimeoutLeavesQueue(file: Uint8Array, watch: WatchDecodes): Promise<void> {
  const config = new AppConfig(parseEnv({ STUDY_TIMEOUT_MS: '50' }));
  const budget = new PixelBudget(2_000_000, 4);
  const other = await budget.acquire(2_000_000);
  const analysis = { analyzePixels: jest.fn() } as unknown as AnalysisService;
  const models = { triageCard: () => ({}), cards: () => [], diagnosisCardFor: () => undefined } as unknown as ModelProvider;
  const service = new StudyService(config, analysis, models, { budget });
  const { seen, restore } = watch(budget);
  try {
    let stopped: Promise<void> | undefined;
    const err = await service.analyze([file], {}, { onStopped: (s) => (stopped = s) }).catch((e: unknown) => e);
    expect(toErrorBody(err)).toMatchObject({ statusCode: 504, code: 'ANALYSIS_TIMEOUT' });
    await stopped;
    expectLeftUntouched(seen, budget, other);
  } finally {
    restore();
  }
}
