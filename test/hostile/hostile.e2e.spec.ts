/**
 * Issue 5 — bad input. Every hostile or broken upload from corpus.ts goes through the whole app
 * (real HTTP stack, multer, file checks, sharp, onnxruntime, SQLite) and must get a clear 4xx
 * or a `rejected` result: never a 5xx, never a crash, never `completed`. Afterwards the app
 * still answers /readyz, and no uploaded image byte exists on disk, in the database or in the
 * logs (which run at the most verbose level for this test).
 *
 * Models: the trained ones in models/ when present, else the deterministic fakes from
 * test/fixtures/fake-models. The fakes classify by mean brightness, so with them only the
 * model-independent promises (file checks, request shape, no 5xx, no bytes kept) are asserted;
 * "the models refuse it" is asserted against the real models only.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { AppConfig } from '../../src/config/config.service';
import { loginAs } from '../helpers/auth';
import { REPO_ROOT, startApp, testConfig } from '../support/app';
import { buildCorpus, HostileCase } from './corpus';

const REAL_MODELS_DIR = path.join(REPO_ROOT, 'models');
const FAKE_MODELS_DIR = path.join(REPO_ROOT, 'test/fixtures/fake-models');
const HAVE_REAL_MODELS = fs.existsSync(path.join(REAL_MODELS_DIR, 'triage', 'model_card.json'));

/**
 * Product rule for images made from a real brain MRI (brain-glioma-1.jpg, label glioma):
 *  - blurred, transparent (→ black) and inverted copies are not usable MRIs: `rejected`, or at
 *    most `inconclusive` (a refusal to diagnose); never `completed`;
 *  - shrunk to 64 px it is still a real MRI at exactly MIN_IMAGE_SIDE, which the service
 *    accepts by design (63 px is refused: see the 422 case in the corpus). It is analysed like
 *    any upload, so `completed` is allowed — but only with the original's true label: a
 *    confident wrong answer at the minimum resolution is the failure this case looks for.
 */
const MRI_DERIVED = new Set(['heavily blurred MRI', 'MRI shrunk to 64 px', 'inverted MRI', 'fully transparent PNG of an MRI']);
const SMALL_MRI = { name: 'MRI shrunk to 64 px', trueLabel: 'glioma' };

/** Writes to the real stderr while the app's logs are being captured (for the CI log). */
let echo = (text: string): void => void process.stderr.write(`${text}\n`);

interface Outcome {
  name: string;
  status: number;
  body: Record<string, unknown>;
}

function send(server: unknown, c: HostileCase, auth: { Authorization: string }): Promise<request.Response> {
  let req = request(server as Parameters<typeof request>[0]).post('/api/v1/analyses').set('Accept', 'application/json').set(auth);
  if (c.raw) return req.set('Content-Type', c.raw.contentType).send(c.raw.body);
  for (const [k, v] of Object.entries(c.fields ?? {})) req = req.field(k, v);
  for (const f of c.files ?? []) req = req.attach(f.field, f.bytes, { filename: f.filename, contentType: f.contentType });
  return req;
}

/** What must never be found again: raw windows of the bytes, and their base64 at every alignment. */
function fingerprints(bytes: Buffer): { raw: Buffer[]; b64: string[] } {
  const raw: Buffer[] = [];
  for (const at of [0.3, 0.5, 0.8]) {
    const w = bytes.subarray(Math.floor(bytes.length * at), Math.floor(bytes.length * at) + 48);
    if (new Set(w).size >= 20) raw.push(Buffer.from(w)); // only high-entropy windows: no false hits
  }
  const mid = Math.floor(bytes.length / 2);
  const b64 = [0, 1, 2].map((k) => bytes.subarray(mid + k, mid + k + 300).toString('base64').slice(8, 56));
  return { raw, b64 };
}

function* filesUnder(dir: string, since: number, depth = 0): Generator<string> {
  if (depth > 6) return;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    // the browser suites' own Chromium profiles (test/browser) cache what *they* uploaded; they are not the app's
    // files, and a browser suite running beside this one (another checkout) must not make it fail
    if (e.isDirectory() && depth === 0 && dir === os.tmpdir() && e.name.startsWith('sentinel-chromium-')) continue;
    if (e.isDirectory()) yield* filesUnder(p, since, depth + 1);
    else if (e.isFile()) {
      try {
        const st = fs.statSync(p);
        if (st.mtimeMs >= since && st.size < 64 * 1024 * 1024) yield p;
      } catch {
        /* vanished */
      }
    }
  }
}

describe(`hostile uploads (${HAVE_REAL_MODELS ? 'trained models' : 'fake models: model-independent checks only'})`, () => {
  let app: NestExpressApplication;
  let config: AppConfig;
  let cases: HostileCase[];
  const outcomes: Outcome[] = [];
  const logs: string[] = [];
  const started = Date.now() - 1000;
  const restore: (() => void)[] = [];

  beforeAll(async () => {
    cases = await buildCorpus();
    config = testConfig({ MODELS_DIR: HAVE_REAL_MODELS ? REAL_MODELS_DIR : FAKE_MODELS_DIR, LOG_LEVEL: 'verbose', RATE_LIMIT_ANALYSES_PER_MINUTE: '1000' });
    // capture (and keep out of the CI log) everything the app logs at verbose level during the
    // run; Nest's logger writes to stdout/stderr
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      if (stream === process.stderr) echo = (text: string) => void original(`${text}\n`);
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        logs.push(Buffer.isBuffer(chunk) ? chunk.toString('latin1') : String(chunk));
        const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        cb?.();
        return true;
      }) as typeof stream.write;
      restore.push(() => (stream.write = original as typeof stream.write));
    }
    app = await startApp(config);
    const server = app.getHttpServer();
    const { bearer } = await loginAs(app);
    for (const c of cases) {
      const res = await send(server, c, bearer);
      outcomes.push({ name: c.name, status: res.status, body: (res.body ?? {}) as Record<string, unknown> });
    }
  });

  afterAll(async () => {
    restore.forEach((r) => r());
    await app?.close();
  });

  it('builds at least 30 kinds of hostile input', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it('never answers 5xx and every error has the JSON error shape', () => {
    const bad = outcomes.filter((o) => o.status >= 500 || o.status < 200);
    expect(bad).toEqual([]);
    for (const o of outcomes.filter((x) => x.status >= 400)) {
      expect({ name: o.name, body: o.body }).toEqual({
        name: o.name,
        body: { statusCode: o.status, code: expect.any(String), message: expect.any(String) },
      });
    }
  });

  it('refuses broken files with the right 4xx and code', () => {
    const wrong = cases
      .map((c, i) => ({ c, o: outcomes[i] }))
      .filter(({ c }) => c.expect.kind === 'file')
      .filter(({ c, o }) => c.expect.kind === 'file' && (o.status !== c.expect.status || o.body.code !== c.expect.code))
      .map(({ c, o }) => ({ name: c.name, expected: c.expect, got: { status: o.status, code: o.body.code, message: o.body.message } }));
    expect(wrong).toEqual([]);
  });

  it('never echoes the uploaded file name', () => {
    expect(outcomes.filter((o) => JSON.stringify(o.body).includes('onerror'))).toEqual([]);
  });

  it('refuses malformed requests with 400', () => {
    const wrong = cases
      .map((c, i) => ({ c, o: outcomes[i] }))
      .filter(({ c, o }) => c.expect.kind === 'request' && o.status !== c.expect.status)
      .map(({ c, o }) => ({ name: c.name, got: { status: o.status, body: o.body } }));
    expect(wrong).toEqual([]);
  });

  it('answers decodable non-MRI content with a result or a 4xx, never an error', () => {
    const wrong = cases
      .map((c, i) => ({ c, o: outcomes[i] }))
      .filter(({ c }) => c.expect.kind === 'content')
      .filter(({ o }) => !(o.status === 200 && typeof o.body.status === 'string') && !(o.status >= 400 && o.status < 500))
      .map(({ c, o }) => ({ name: c.name, status: o.status, body: o.body }));
    expect(wrong).toEqual([]);
  });

  (HAVE_REAL_MODELS ? it : it.skip)('the trained models never complete a diagnosis on any of it', () => {
    const table = cases.map((c, i) => {
      const o = outcomes[i];
      return { name: c.name, http: o.status, status: o.body.status, code: o.body.code, label: o.body.label, confidence: o.body.confidence };
    });
    // printed so a reader of the CI log sees what each hostile case got
    echo(`hostile corpus outcomes:\n${table.map((r) => JSON.stringify(r)).join('\n')}`);
    const wrong = table.filter((r) => {
      if (r.http !== 200) return false; // a 4xx is always a refusal
      if (r.status === 'rejected') return false;
      if (r.name === SMALL_MRI.name && r.status === 'completed') return r.label !== SMALL_MRI.trueLabel;
      if (MRI_DERIVED.has(r.name) && r.status === 'inconclusive') return false;
      return true;
    });
    expect(wrong).toEqual([]);
  });

  it('still answers /readyz afterwards', async () => {
    const res = await request(app.getHttpServer()).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ready');
  });

  it('kept no uploaded image byte on disk, in the database or in the logs', () => {
    const prints = cases
      .flatMap((c) => [...(c.files ?? []).map((f) => f.bytes), ...(c.raw ? [c.raw.body] : []), ...(c.secretBytes ?? [])])
      .filter((b) => b.length >= 2048)
      .map(fingerprints);
    expect(prints.length).toBeGreaterThan(10);

    const dbDir = path.dirname(config.databaseFile);
    const places = [dbDir, path.join(REPO_ROOT, 'data'), os.tmpdir()];
    const hits: string[] = [];
    const seen = new Set<string>();
    for (const dir of places) {
      for (const f of filesUnder(dir, started)) {
        if (seen.has(f)) continue;
        seen.add(f);
        let bytes: Buffer;
        try {
          bytes = fs.readFileSync(f);
        } catch {
          continue;
        }
        const text = bytes.toString('latin1');
        for (const p of prints) {
          if (p.raw.some((w) => bytes.includes(w)) || p.b64.some((s) => text.includes(s))) hits.push(f);
        }
        if (f.startsWith(dbDir) && text.includes('data:image')) hits.push(`${f} (data URL)`);
      }
    }
    expect([...new Set(hits)]).toEqual([]);
    expect(seen.has(config.databaseFile)).toBe(true); // the scan did look at the database

    // the scanner itself finds a planted copy
    const planted = Buffer.concat([Buffer.from('xx'), prints[0].raw.length ? prints[0].raw[0] : Buffer.alloc(0), Buffer.from('yy')]);
    expect(prints.some((p) => p.raw.some((w) => planted.includes(w)))).toBe(true);

    const log = logs.join('');
    expect(log).toContain('Models loaded'); // the capture did see the app's logs
    const inLogs = prints.filter((p) => p.raw.some((w) => log.includes(w.toString('latin1'))) || p.b64.some((s) => log.includes(s)));
    expect(inLogs).toEqual([]);
    expect(log).not.toContain('data:image');
    // file names can carry patient names: they are never logged
    expect(log).not.toContain('onerror=alert');
    expect(log).not.toContain('etc/passwd');
  });
});
