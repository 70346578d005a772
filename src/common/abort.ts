import type { Request } from 'express';
import { BadRequestError } from './errors';

/**
 * The work's answer, or the signal's reason as soon as it fires. The work itself goes on until its
 * next check of the signal; callers that hold resources for it free them when it settles.
 */
export function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

/**
 * One turn of the event loop (setImmediate: timers and I/O run, so a timeout or a hang-up can
 * fire), then the signal's reason if it fired meanwhile. Long loops call it between chunks of
 * work: aborted work stops at its next turn instead of running to its end for nobody.
 */
export async function nextTurn(signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  signal?.throwIfAborted();
}

/**
 * Aborts when the response is closed before it was sent (the client went away): the work for it
 * stops. A response already closed when this is called (the client hung up between the upload
 * and the handler) gives a signal aborted from the start.
 */
export function clientGone(req: Request): AbortSignal {
  const ac = new AbortController();
  const res = req.res;
  const gone = () => ac.abort(new BadRequestError('The client closed the connection.'));
  if (res && (res.destroyed || res.closed) && !res.writableFinished) gone();
  else res?.once('close', () => !res.writableFinished && gone());
  return ac.signal;
}
