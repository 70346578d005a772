/**
 * The path as Express and serve-static will match it: percent-decoded, lower case (routing
 * ignores case), runs of slashes collapsed. Only for decisions that have no Nest route
 * metadata to read: the login wall in front of Swagger's plain Express routes, and whether an
 * error is answered as JSON or as a page.
 */
export function canonicalPath(p: string): string {
  let d = p;
  try {
    d = decodeURIComponent(p);
  } catch {
    // malformed escapes: compare the raw form (Express answers such paths with 400/404)
  }
  return d.toLowerCase().replace(/\/{2,}/g, '/');
}
