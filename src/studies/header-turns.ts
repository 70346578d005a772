import { nextTurn } from '../common/abort';

/** Resolves once the last header read queued has started (never rejects). */
let last: Promise<unknown> = Promise.resolve();

/**
 * Starts `read` (one DICOM header) in an event-loop turn of its own, after every header queued
 * before it has started, whichever study it belongs to. What a read does on the event loop is
 * bounded (a header of up to dicom.ts INLINE_HEADER_ENTRIES, ~10 ms at most); a larger header is
 * parsed in the header worker (header-pool.ts) and a deflated one inflated in libuv's pool, and the
 * next read does not wait for those: the turn ends when the read has started, so a deflated or
 * large header no longer holds every other study's headers behind it. Measured
 * (scripts/measure-header-stall.ts): with a turn only every 32 files, concurrent studies' parses
 * fell into the same check phase and /healthz waited for all of them (2.3 s for 4 studies of 4
 * files at the per-file cap). `signal` is checked in that turn: an aborted study reads no further header.
 */
export function inHeaderTurn<T>(read: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const turn = last.then(() => nextTurn(signal));
  const mine = turn.then(read);
  // settles after read() has returned (its reaction was registered first): the next read's turn follows it
  last = turn.then(
    () => undefined,
    () => undefined,
  );
  return mine;
}
