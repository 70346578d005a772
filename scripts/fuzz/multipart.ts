/**
 * Multipart bodies written by hand for scripts/fuzz-uploads.ts, so that boundaries, part headers
 * and framing can be odd, and the raw HTTP request that sends them (node:http, no client-side
 * normalising; a deadline per request).
 */
import * as http from 'node:http';
import { Rng } from './mutators';

export interface Part {
  field: string;
  filename?: string;
  type?: string;
  data: Buffer;
  /** extra raw header lines */
  headers?: string[];
}

export interface Framing {
  boundary: string;
  /** '\r\n' (the standard) or '\n' */
  eol?: string;
  /** leave out the closing `--boundary--` */
  noClose?: boolean;
  preamble?: string;
}

export function multipart(parts: Part[], f: Framing): Buffer {
  const eol = f.eol ?? '\r\n';
  const out: Buffer[] = [];
  if (f.preamble) out.push(Buffer.from(f.preamble + eol, 'latin1'));
  for (const p of parts) {
    const disp = `Content-Disposition: form-data; name="${p.field}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    const lines = [`--${f.boundary}`, disp, ...(p.type ? [`Content-Type: ${p.type}`] : []), ...(p.headers ?? [])];
    out.push(Buffer.from(lines.join(eol) + eol + eol, 'latin1'), p.data, Buffer.from(eol, 'latin1'));
  }
  if (!f.noClose) out.push(Buffer.from(`--${f.boundary}--${eol}`, 'latin1'));
  return Buffer.concat(out);
}

export function randomBoundary(r: Rng): string {
  return r.pick([
    `----fuzz${r.int(1e9)}`,
    'x',
    'a'.repeat(70),
    'a'.repeat(200),
    '--',
    "'()+_,-./:=? ",
    `----${'\u00e9'}`,
    '',
  ]);
}

export interface Answer {
  status: number;
  body: string;
  ms: number;
  error?: string;
}

/** One request; a deadline ends it (error 'deadline'); a reset or refused connection is an `error`. */
export function send(port: number, path: string, headers: Record<string, string>, body: Buffer, deadlineMs: number): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: Omit<Answer, 'ms'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...a, ms: performance.now() - t0 });
    };
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-length': String(body.length), connection: 'close', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, 2_000_000) }));
      res.on('error', (e) => finish({ status: res.statusCode ?? 0, body: '', error: String(e) }));
    });
    const timer = setTimeout(() => {
      finish({ status: 0, body: '', error: 'deadline' });
      req.destroy();
    }, deadlineMs);
    // a server that answers before reading the whole body (413) may reset the rest: that is an answer
    req.on('error', (e) => finish({ status: 0, body: '', error: String((e as NodeJS.ErrnoException).code ?? e) }));
    req.end(body);
  });
}
