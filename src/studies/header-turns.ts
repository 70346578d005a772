import { nextTurn } from '../common/abort';

/** The end of the last header read queued, process-wide (never rejects). */
let last: Promise<unknown> = Promise.resolve();

/**
 * Runs `read` (one DICOM header: dicom-parser reads it in one synchronous call, up to ~0.3 s at the
 * per-file cap) in an event-loop turn of its own, after every header queued before it, whichever
 * study it belongs to. Measured (scripts/measure-header-stall.ts): with a turn only every 32 files
 * a study's big headers were read back to back, and concurrent studies' turns fell into the same
 * check phase, so /healthz waited for all of them (1.2 s for one study of 4 files at the cap, 2.3 s
 * for 4 such studies). One header a turn, process-wide, lets timers and I/O run between any two, so
 * the stall is one file's read whatever the number of studies. `signal` is checked in that turn:
 * an aborted study reads no further header.
 */
export function inHeaderTurn<T>(read: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const mine = last.then(() => nextTurn(signal)).then(read);
  last = mine.catch(() => undefined);
  return mine;
}
