/**
 * Polls `check` until it returns a value that `done` accepts, or `tries` polls have passed; returns
 * the last value either way, so the caller's expect() reports what was seen. For effects the
 * server reaches on its own time (a hang-up noticed, bytes read off a socket): a fixed sleep
 * raced them on a busy CI machine. Bounded by count, never by a wall-clock assertion.
 */
export async function eventually<T>(check: () => Promise<T> | T, done: (value: T) => boolean, tries = 100, everyMs = 50): Promise<T> {
  let value = await check();
  for (let i = 1; i < tries && !done(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    value = await check();
  }
  return value;
}
