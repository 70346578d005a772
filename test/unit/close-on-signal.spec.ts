import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { closeOnSignal, shutDownLine } from '../../src/common/close-on-signal';

/**
 * The stop sequence of main.ts with a stand-in app and signal source, on jest's fake clock: what
 * has happened after each signal and each stretch of the delay (no real waiting, no deadline).
 */
describe('closeOnSignal', () => {
  let logged: string[];
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    logged = [];
    jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => void logged.push(String(message)));
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  function setUp(delayMs: number, cut = 0) {
    const signals = new EventEmitter();
    const events: string[] = [];
    const exits: number[] = [];
    closeOnSignal(
      { notReady: () => void events.push('not ready'), close: async () => (events.push('close'), cut) },
      { delayMs, graceMs: 10_000, exit: (code) => void exits.push(code), signals },
    );
    const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
    return { signals, events, exits, flush };
  }

  it('with a delay: not ready at once, still serving (no close) until the delay has passed, then closes and exits 0', async () => {
    const { signals, events, exits, flush } = setUp(5000);
    signals.emit('SIGTERM', 'SIGTERM');
    expect(events).toEqual(['not ready']);
    jest.advanceTimersByTime(4999);
    await flush();
    expect(events).toEqual(['not ready']);
    expect(exits).toEqual([]);
    jest.advanceTimersByTime(1);
    await flush();
    expect(events).toEqual(['not ready', 'close']);
    expect(exits).toEqual([0]);
    expect(logged).toEqual([
      'SIGTERM: shutting down',
      '/readyz answers 503; still serving for 5000 ms (SHUTDOWN_DELAY_MS) so that a load balancer stops sending first',
      'Shut down: requests answered, workers and database closed.',
    ]);
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('a second signal (%s) during the delay closes at once; a third changes nothing', async (second) => {
    const { signals, events, exits, flush } = setUp(60_000);
    signals.emit('SIGTERM', 'SIGTERM');
    jest.advanceTimersByTime(100);
    signals.emit(second, second);
    await flush();
    expect(events).toEqual(['not ready', 'close']);
    expect(exits).toEqual([0]);
    signals.emit('SIGTERM', 'SIGTERM');
    jest.advanceTimersByTime(60_000);
    await flush();
    expect(events).toEqual(['not ready', 'close']);
    expect(logged).toContain(`${second} again: closing now, without the rest of the 60000 ms delay`);
  });

  // a second Ctrl-C while the requests in flight finish was ignored without a word: the terminal
  // showed nothing for up to the grace, and an operator reached for kill -9 (the drain cut short)
  it('a signal during the close is answered with a line saying what is being waited for, once', async () => {
    const signals = new EventEmitter();
    let finish: (cut: number) => void = () => undefined;
    const exits: number[] = [];
    closeOnSignal({ notReady: () => undefined, close: () => new Promise<number>((resolve) => (finish = resolve)) }, { delayMs: 0, graceMs: 10_000, exit: (code) => void exits.push(code), signals });
    signals.emit('SIGINT', 'SIGINT');
    signals.emit('SIGINT', 'SIGINT');
    signals.emit('SIGINT', 'SIGINT');
    expect(logged).toEqual(['SIGINT: shutting down', 'SIGINT again: already shutting down — the requests in flight finish first (the stop ends within 10000 ms of its start)']);
    finish(0);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(exits).toEqual([0]);
  });

  it('without a delay: not ready and closing on the signal itself', async () => {
    const { signals, events, exits, flush } = setUp(0);
    signals.emit('SIGINT', 'SIGINT');
    expect(events).toEqual(['not ready', 'close']);
    await flush();
    expect(exits).toEqual([0]);
    expect(logged).toEqual(['SIGINT: shutting down', 'Shut down: requests answered, workers and database closed.']);
  });

  // the last line said "requests answered" right after the drain's warning that some were cut off
  it('the last line says requests were answered only when the drain cut none off', async () => {
    const { signals, exits, flush } = setUp(0, 2);
    signals.emit('SIGTERM', 'SIGTERM');
    await flush();
    expect(exits).toEqual([0]);
    expect(logged.at(-1)).toBe('Shut down: 2 request(s) cut off unanswered, the others answered; workers and database closed.');
    expect(shutDownLine(0)).toBe('Shut down: requests answered, workers and database closed.');
    expect(shutDownLine(1)).not.toMatch(/requests answered/);
  });
});
