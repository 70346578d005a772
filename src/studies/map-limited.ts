/**
 * Runs fn over items with at most `limit` in flight (the model pool's size), results in item
 * order. Once the signal fires or one item fails, no further item starts; the call settles only
 * when every started item has (so a caller told "stopped" knows no slice is still being
 * analysed for it), with the signal's reason or the first failure.
 */
export async function mapLimited<T, R>(items: T[], limit: number, signal: AbortSignal, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      signal.throwIfAborted();
      const i = next++;
      try {
        out[i] = await fn(items[i]);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return out;
}
