/**
 * SIGTERM under a continuous stream of new connections (no keep-alive: every request opens its own),
 * on the built server as `npm start` runs it. What each client may see: a complete answer (200 with
 * its JSON, or 503 with Retry-After), or a refusal/close before any byte of an answer (the listener
 * closed: ECONNREFUSED, or a connection the server never read: reset). Never a 500, a 503 without
 * Retry-After, an answer cut off halfway, or an analysis the server recorded whose client got no
 * answer (it cannot tell a reset POST was processed); and the process exits 0 on the signal, not on
 * its deadline (exit 1). Skipped when there is no build (CI builds first).
 */
import * as http from 'node:http';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { eventually } from '../helpers/eventually';
import { tempDir } from '../support/app';
import { builtToken, hasBuild, startBuilt } from '../support/built-app';
import { solidPng } from '../support/images';

type Outcome =
  | { kind: 'answer'; path: string; status: number; retryAfter?: string; body: string; complete: boolean }
  | { kind: 'closed'; path: string; code: string; sentAll: boolean };

/** One request on a connection of its own; resolves with what the client saw, never rejects. */
function once(port: number, path: string, headers: http.OutgoingHttpHeaders, body?: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    let sentAll = false;
    const req = http.request({ host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', agent: false, headers: { ...headers, ...(body ? { 'content-length': body.length } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const done = (complete: boolean) => resolve({ kind: 'answer', path, status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: Buffer.concat(chunks).toString('utf8'), complete });
      res.on('end', () => done(res.complete));
      res.on('aborted', () => done(false));
      res.on('error', () => done(false));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ kind: 'closed', path, code: e.code ?? e.message, sentAll }));
    req.end(body, () => (sentAll = true));
  });
}

/** What a client may honestly be told; anything else is returned as a problem (with what it was). */
function problem(o: Outcome): string | null {
  if (o.kind === 'closed') return ['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(o.code) ? null : `closed with ${o.code}`;
  if (!o.complete) return `${o.status} cut off after ${o.body.length} bytes`;
  let json: { status?: unknown; code?: unknown };
  try {
    json = JSON.parse(o.body) as typeof json;
  } catch {
    return `${o.status} with a body that is not JSON: ${o.body.slice(0, 100)}`;
  }
  if (o.status === 200) return o.path === '/api/v1/analyses' && typeof json.status !== 'string' ? `200 without an analysis status: ${o.body.slice(0, 100)}` : null;
  if (o.status === 503 && o.retryAfter && typeof json.code === 'string') return null;
  return `${o.status}${o.retryAfter ? ` (Retry-After ${o.retryAfter})` : ''}: ${o.body.slice(0, 200)}`;
}

(hasBuild() ? describe : describe.skip)('SIGTERM under a continuous stream of new connections (built server)', () => {
  it.each(['0', '2'])('INFERENCE_WORKERS=%s: every request answered in full or refused/closed unread; exit 0 on the signal', async (workers) => {
    const email = 'admin@example.test';
    const password = 'a long shutdown passphrase';
    const db = path.join(tempDir('sentinel-stream-'), 'db.sqlite');
    const app = await startBuilt({ INFERENCE_WORKERS: workers, DATABASE_URL: `file:${db}`, SEED_ADMIN_EMAIL: email, SEED_ADMIN_PASSWORD: password, RATE_LIMIT_ANALYSES_PER_MINUTE: '1000000', RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000' });
    const token = await builtToken(app.port, email, password);
    const boundary = 'shutdown-stream-boundary';
    const png = await solidPng(256, 256, 255);
    const body = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n`), png, Buffer.from(`\r\n--${boundary}--\r\n`)]);
    const analysis = { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, accept: 'application/json' };

    let exited = false;
    const outcomes: Outcome[] = [];
    // analyses (in flight when the signal comes) and cheap requests (many new connections a second)
    const loops = [
      ...Array.from({ length: 4 }, async () => {
        while (!exited) outcomes.push(await once(app.port, '/api/v1/analyses', analysis, body));
      }),
      ...Array.from({ length: 4 }, async () => {
        while (!exited) outcomes.push(await once(app.port, '/healthz', { accept: 'application/json' }));
      }),
    ];
    const answered = () => outcomes.filter((o) => o.kind === 'answer' && o.status === 200 && o.path === '/api/v1/analyses').length;
    expect(await eventually(answered, (n) => n >= 12)).toBeGreaterThanOrEqual(12);
    const before = outcomes.length;
    app.child.kill('SIGTERM');
    const end = await app.done;
    exited = true;
    await Promise.all(loops);

    expect(end).toEqual({ code: 0, signal: null });
    expect(app.log.split('\n').filter((l) => /did not finish|terminate called|cut off|Shutdown failed/.test(l))).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(before); // the stream went on while it stopped
    expect(outcomes.map(problem).filter(Boolean)).toEqual([]);
    // a closed connection was never processed: every analysis recorded was answered to its client
    const conn = new Database(db, { readonly: true });
    try {
      const recorded = (conn.prepare('SELECT COUNT(*) AS n FROM Analysis').get() as { n: number }).n;
      expect(recorded).toBe(answered());
    } finally {
      conn.close();
    }
  });
});
