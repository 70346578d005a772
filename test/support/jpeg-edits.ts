/**
 * What the JPEG decoder specs (jpeg-lossless, jpeg-dct and their DICOM specs) share to damage a
 * good stream on purpose and to check what is thrown for it.
 */

/** Where marker FF `marker` first stands in `b` (−1: nowhere). */
export function markerAt(b: Uint8Array, marker: number): number {
  return b.findIndex((v, i) => v === 0xff && b[i + 1] === marker);
}

/** A copy of `good`, changed by `f` (`good` is left as it is). */
export function edited(good: Uint8Array, f: (b: Uint8Array) => void): Uint8Array {
  const b = Uint8Array.from(good);
  f(b);
  return b;
}

/** `f` throws a `type` whose message matches `message` (called once: a decode that returns fails the test). */
export function expectThrows(f: () => unknown, type: abstract new (...args: never[]) => Error, message: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(type);
  expect((err as Error).message).toMatch(message);
}
