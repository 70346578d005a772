import { AsyncLocalStorage } from 'node:async_hooks';
import type { DbTx } from '../prisma/prisma.service';

/** Written in the history row's own transaction, with its id (AnalysisRepository.insert's `then`). */
export type OnRecorded = (analysisId: string, tx: DbTx) => Promise<void>;

const context = new AsyncLocalStorage<{ suppress: boolean; onRecorded?: OnRecorded }>();

/**
 * Runs `fn` with history recording switched off for analyses started inside it. Used when the
 * PDF report re-runs an analysis that is already in the history (one upload = one record).
 */
export function withoutRecording<T>(fn: () => Promise<T>): Promise<T> {
  return context.run({ suppress: true }, fn);
}

/**
 * Runs `fn` so that the history row it records is stored in one transaction with `onRecorded`'s
 * writes (an Idempotency-Key marked answered by that row): a process stopped between two separate
 * writes left a row whose key was still "in progress", and the retry that took the key over
 * recorded a second row.
 */
export function recordingWith<T>(onRecorded: OnRecorded, fn: () => Promise<T>): Promise<T> {
  return context.run({ suppress: false, onRecorded }, fn);
}

export function recordingSuppressed(): boolean {
  return context.getStore()?.suppress === true;
}

/** What the recorder writes with the row (recordingWith), if anything. */
export function onRecorded(): OnRecorded | undefined {
  return context.getStore()?.onRecorded;
}
