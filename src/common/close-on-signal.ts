import { Logger } from '@nestjs/common';

/** Ctrl-C, an orchestrator's or systemd's stop, a closed terminal: each ends the service gracefully. */
export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/** What a stop needs of the app (main.ts wires the Nest app in). */
export interface Stoppable {
  /** /readyz answers 503 from now on (health/shutdown-state.ts) */
  notReady(): void;
  /** Drains HTTP, then runs Nest's destroy hooks; resolves with the requests the drain cut off. */
  close(): Promise<number>;
}

export interface StopOptions {
  /** SHUTDOWN_DELAY_MS: serving on, not ready, before the close begins */
  delayMs: number;
  /** the close's deadline (SHUTDOWN_GRACE_MS), counted from when it begins */
  graceMs: number;
  exit: (code: number) => void;
  /** where the signals come from: the process, or a test's emitter */
  signals?: { on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown };
}

/** The last line of a stop: "requests answered" only when the drain cut none off. */
export function shutDownLine(cut: number): string {
  return cut ? `Shut down: ${cut} request(s) cut off unanswered, the others answered; workers and database closed.` : 'Shut down: requests answered, workers and database closed.';
}

/**
 * On the first signal /readyz turns 503 and, for `delayMs`, the server goes on accepting and
 * serving: a load balancer polling /readyz stops sending meanwhile. Closing the listener at once
 * reset every connection still waiting to be accepted (7 of 12 analyses sent 150 ms before a
 * SIGTERM got ECONNRESET, unlogged: the client cannot tell whether its POST was processed). Then
 * app.close() drains the HTTP server (common/http-drain.ts) and Nest's hooks close the inference
 * workers, the prepare pool and the database; a stop that got that far exits 0, as a stop the
 * operator asked for is not a failure (Nest's enableShutdownHooks() re-raised the signal: 143).
 * A second signal during the delay starts the close at once (an impatient Ctrl-C, an orchestrator
 * that does not wait); during the close it changes nothing but a line saying what is waited for.
 * If anything hangs, the deadline ends the process with exit code 1, so a stop is never ignored;
 * unref'd, it never keeps a finished process alive.
 */
export function closeOnSignal(app: Stoppable, { delayMs, graceMs, exit, signals = process }: StopOptions): void {
  const logger = new Logger('Bootstrap');
  let state: 'serving' | 'delaying' | 'closing' = 'serving';
  let delay: NodeJS.Timeout | undefined;
  const close = (): void => {
    state = 'closing';
    clearTimeout(delay);
    setTimeout(() => {
      console.error(`Shutdown did not finish within ${graceMs} ms; exiting.`);
      exit(1);
    }, graceMs).unref();
    app.close().then(
      (cut) => {
        logger.log(shutDownLine(cut));
        exit(0);
      },
      (err: unknown) => {
        console.error('Shutdown failed:', err);
        exit(1);
      },
    );
  };
  let toldWaiting = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (state === 'closing') {
      // said once: a second Ctrl-C that showed nothing sent operators to kill -9, cutting the drain short
      if (!toldWaiting) logger.log(`${signal} again: already shutting down — the requests in flight finish first (the stop ends within ${graceMs} ms of its start)`);
      toldWaiting = true;
      return;
    }
    if (state === 'delaying') {
      logger.log(`${signal} again: closing now, without the rest of the ${delayMs} ms delay`);
      return close();
    }
    logger.log(`${signal}: shutting down`);
    app.notReady();
    if (delayMs <= 0) return close();
    state = 'delaying';
    logger.log(`/readyz answers 503; still serving for ${delayMs} ms (SHUTDOWN_DELAY_MS) so that a load balancer stops sending first`);
    delay = setTimeout(close, delayMs);
  };
  for (const signal of SHUTDOWN_SIGNALS) signals.on(signal, onSignal);
}
