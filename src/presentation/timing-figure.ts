/**
 * A recorded stage time (ms, rounded to 0.1 when recorded) as the pages and the PDF print it: one
 * decimal always. Printed as JavaScript prints a number, "explanation 60 ms" sat beside "diagnosis
 * 94.8 ms", as if one were measured more coarsely. The page scripts (public/js) use toFixed(1) too.
 */
export function msFigure(ms: number): string {
  return ms.toFixed(1);
}

export function msText(ms: number): string {
  return `${msFigure(ms)} ms`;
}
