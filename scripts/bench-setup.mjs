/** npm run bench: the image mix, the server process, signing in and the single-thread model forward times (bench.mjs). */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { round } from './bench-lib.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED = path.resolve(ROOT, '..', 'shared');

// ------------------------------------------------------------------------------------------------
// the image mix
// ------------------------------------------------------------------------------------------------
/** RFC 4180-ish CSV (quoted fields with commas). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') q = false;
      else field += c;
    } else if (c === '"') q = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else if (c !== '\r') field += c;
  }
  if (field || row.length) row.push(field), rows.push(row);
  const [head, ...body] = rows;
  return body.filter((r) => r.length === head.length).map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}

/** Category of an image: brain MRI, other MRI (spine, knee, unsupported anatomy), not MRI. */
export function category(r) {
  if (r.is_mri !== '1') return 'not_mri';
  return r.body_part === 'brain' ? 'brain_mri' : 'other_mri';
}

/** Fixed mix: per 8 requests, 4 brain MRI, 2 other MRI, 2 not-MRI. Deterministic picks. */
export const MIX = ['brain_mri', 'not_mri', 'brain_mri', 'other_mri', 'brain_mri', 'not_mri', 'brain_mri', 'other_mri'];

export function loadImages(total) {
  const byCat = { brain_mri: [], other_mri: [], not_mri: [] };
  const samplesCsv = path.join(SHARED, 'samples', 'SAMPLES.csv');
  for (const r of parseCsv(fs.readFileSync(samplesCsv, 'utf8'))) {
    byCat[category(r)].push({ file: path.join(SHARED, 'samples', r.file), source: `samples/${r.file}` });
  }
  const manifest = path.join(SHARED, 'data', 'MANIFEST.csv');
  if (fs.existsSync(manifest)) {
    const rows = parseCsv(fs.readFileSync(manifest, 'utf8'));
    // deterministic spread over sources: order by sha256, round-robin over sources per category
    const perCat = { brain_mri: Math.ceil(total / 2), other_mri: Math.ceil(total / 4), not_mri: Math.ceil(total / 4) };
    for (const cat of Object.keys(byCat)) {
      const bySource = new Map();
      for (const r of rows.filter((x) => category(x) === cat).sort((x, y) => (x.sha256 < y.sha256 ? -1 : 1))) {
        if (!bySource.has(r.source)) bySource.set(r.source, []);
        bySource.get(r.source).push(r);
      }
      const lists = [...bySource.values()];
      for (let i = 0; byCat[cat].length < perCat[cat] && lists.some((l) => l.length > i); i++) {
        for (const l of lists) if (l[i] && byCat[cat].length < perCat[cat]) byCat[cat].push({ file: path.join(SHARED, 'data', l[i].path), source: `data/${l[i].path}` });
      }
    }
  }
  const out = {};
  for (const [cat, list] of Object.entries(byCat)) {
    if (!list.length) throw new Error(`no ${cat} images found under ${SHARED}`);
    out[cat] = list.map((x) => ({ ...x, bytes: fs.readFileSync(x.file), type: x.file.endsWith('.png') ? 'image/png' : 'image/jpeg' }));
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// the server process
// ------------------------------------------------------------------------------------------------
/** The built app in `root` (this checkout, or another build to compare with), ready: its /readyz answers 200. */
export async function startServer(env, nodeArgs = [], root = ROOT) {
  const main = path.join(root, 'dist', 'main.js');
  if (!fs.existsSync(main)) throw new Error('dist/main.js missing: run `npm run build` (npm run bench does)');
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, main], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logTail = [];
  const keep = (d) => {
    logTail.push(...String(d).split('\n').filter(Boolean));
    if (logTail.length > 200) logTail.splice(0, logTail.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const base = `http://127.0.0.1:${env.PORT}`;
  let listening = null;
  for (;;) {
    if (exited) throw new Error(`server exited during start (${JSON.stringify(exited)}):\n${logTail.join('\n')}`);
    if (performance.now() - t0 > 120_000) throw new Error(`server not ready after 120 s:\n${logTail.join('\n')}`);
    try {
      const r = await fetch(`${base}/readyz`);
      listening ??= performance.now() - t0;
      if (r.status === 200) break;
      await r.arrayBuffer();
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const readyMs = performance.now() - t0;
  return { child, base, readyMs, listeningMs: listening, logTail, exited: () => exited };
}

// ------------------------------------------------------------------------------------------------
// signing in (when the app has accounts)
// ------------------------------------------------------------------------------------------------
export function cookieJar() {
  const jar = new Map();
  return {
    take(res) {
      for (const c of res.headers.getSetCookie?.() ?? []) {
        const [kv] = c.split(';');
        const i = kv.indexOf('=');
        jar.set(kv.slice(0, i).trim(), kv.slice(i + 1).trim());
      }
    },
    header: () => [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
    get: (k) => jar.get(k),
  };
}

/**
 * Returns the headers that authenticate an analysis request, or {} when the app has no accounts
 * (anonymous analyses are then allowed). Prefers a bearer token from the token API, else a
 * browser session through the login form (cookie + CSRF token).
 */
export async function signIn(base, email, password) {
  const probe = await fetch(`${base}/api/v1/analyses`, { method: 'POST' });
  await probe.arrayBuffer();
  if (probe.status !== 401 && probe.status !== 403) return { headers: {}, how: 'none (the app has no login yet)' };
  for (const p of ['/api/v1/auth/token', '/api/v1/auth/tokens', '/api/v1/tokens']) {
    const r = await fetch(`${base}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    const body = await r.json().catch(() => ({}));
    const token = body.token ?? body.accessToken ?? body.access_token;
    if (r.ok && typeof token === 'string') return { headers: { authorization: `Bearer ${token}` }, how: `bearer token (${p})` };
  }
  const jar = cookieJar();
  const page = await fetch(`${base}/login`, { redirect: 'manual' });
  jar.take(page);
  const html = await page.text();
  const csrf = html.match(/name="_csrf"\s+value="([^"]+)"/)?.[1] ?? html.match(/name="csrf-token"\s+content="([^"]+)"/)?.[1];
  const form = new URLSearchParams({ email, password, ...(csrf ? { _csrf: csrf } : {}) });
  const r = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  jar.take(r);
  await r.arrayBuffer();
  if (r.status >= 400) throw new Error(`login failed: HTTP ${r.status}`);
  const home = await fetch(`${base}/`, { headers: { cookie: jar.header() } });
  jar.take(home);
  const homeHtml = await home.text();
  const token = homeHtml.match(/name="csrf-token"\s+content="([^"]+)"/)?.[1] ?? homeHtml.match(/name="_csrf"\s+value="([^"]+)"/)?.[1];
  return { headers: { cookie: jar.header(), ...(token ? { 'x-csrf-token': token } : {}) }, how: 'session cookie (login form)' };
}

// ------------------------------------------------------------------------------------------------
// model forward times (single thread, this process, before any load)
// ------------------------------------------------------------------------------------------------
export async function forwardTimes(modelsDir, runs) {
  const ort = await import('onnxruntime-node');
  const out = {};
  const dirs = fs.existsSync(modelsDir) ? fs.readdirSync(modelsDir).filter((d) => fs.existsSync(path.join(modelsDir, d, 'model_card.json'))) : [];
  for (const d of dirs.sort()) {
    const card = JSON.parse(fs.readFileSync(path.join(modelsDir, d, 'model_card.json'), 'utf8'));
    const session = await ort.InferenceSession.create(path.join(modelsDir, d, card.onnx.file), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    const s = card.input.size;
    const data = new Float32Array(3 * s * s);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37); // deterministic, image-like range
    const feeds = { [card.input.name]: new ort.Tensor('float32', data, [1, 3, s, s]) };
    for (let i = 0; i < 5; i++) await session.run(feeds);
    const t = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      t.push(performance.now() - t0);
    }
    t.sort((a, b) => a - b);
    out[card.name] = { version: card.version, inputSize: s, medianMs: round(t[Math.floor(t.length / 2)], 3), minMs: round(t[0], 3), runs };
    await session.release?.();
  }
  return out;
}
