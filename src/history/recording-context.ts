import { AsyncLocalStorage } from 'node:async_hooks';

const context = new AsyncLocalStorage<{ suppress: boolean }>();

/**
 * Runs `fn` with history recording switched off for analyses started inside it. Used when the
 * PDF report re-runs an analysis that is already in the history (one upload = one record).
 */
export function withoutRecording<T>(fn: () => Promise<T>): Promise<T> {
  return context.run({ suppress: true }, fn);
}

export function recordingSuppressed(): boolean {
  return context.getStore()?.suppress === true;
}
