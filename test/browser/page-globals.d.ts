/**
 * What the app's pages put on window, as the browser specs' page.evaluate callbacks use it:
 * axe-core (injected by the specs), the page script's Sentinel helpers (public/js, untyped
 * JavaScript, so their results are unknown here and the specs only compare them), and the
 * body-read counter that harness.ts's countBodyReads installs.
 */
interface Window {
  axe: { run(context: Document, options: object): Promise<unknown> };
  Sentinel: Record<string, (...args: unknown[]) => unknown>;
  __bodyReads: number;
}
