/**
 * What a SQLite write lock held by another process does to the running service: a child process
 * opens the same file and holds `BEGIN IMMEDIATE` (an admin's sqlite3 session with an open
 * transaction, a backup tool writing) for HOLD ms while the app, on a port, is asked for /healthz
 * every 20 ms and for a login (writes a session row) and an analysis (writes a history row).
 * Prints the worst /healthz latency, the worst gap of a 5-ms timer in the app's process, and each
 * write's (and one /readyz's) status and time. Not a test (timings are
 * never asserted): run by hand, on fake models,
 *   node -r ts-node/register/transpile-only scripts/measure-sqlite-lock.ts [holdMs …]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { createApp } from '../src/app.setup';
import { UsersService } from '../src/accounts/users.service';
import { SessionsService } from '../src/accounts/sessions.service';
import { AppConfig } from '../src/config/config.service';

const REPO = path.resolve(__dirname, '..');

/** A child process holding the write lock for `holdMs`; resolves once it holds it. */
function holdLock(file: string, holdMs: number): Promise<{ released: Promise<number> }> {
  const code = `const D=require('better-sqlite3');const db=new D(process.argv[1]);db.prepare('BEGIN IMMEDIATE').run();` +
    `console.log('locked');setTimeout(()=>{db.prepare('COMMIT').run();console.log('released');db.close();},Number(process.argv[2]));`;
  const child = spawn(process.execPath, ['-e', code, file, String(holdMs)], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    let releasedAt: (t: number) => void = () => undefined;
    const released = new Promise<number>((r) => (releasedAt = r));
    child.stdout.on('data', (d: Buffer) => {
      const s = d.toString();
      if (s.includes('locked')) resolve({ released });
      if (s.includes('released')) releasedAt(performance.now());
    });
  });
}

/** /healthz every 20 ms for `forMs`, asked from another process (this one's event loop is what is measured). */
function pollHealthz(url: string, forMs: number): Promise<{ worst: number; answers: number }> {
  const code = `const [u,f]=process.argv.slice(1);const end=Date.now()+Number(f);let worst=0,n=0;(async()=>{while(Date.now()<end){` +
    `const t=performance.now();await (await fetch(u)).text();worst=Math.max(worst,performance.now()-t);n++;await new Promise(r=>setTimeout(r,20));}` +
    `console.log(JSON.stringify({worst,answers:n}));})();`;
  const child = spawn(process.execPath, ['-e', code, url, String(forMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('close', () => resolve(JSON.parse(out) as { worst: number; answers: number })));
}

async function timed(what: Promise<Response>): Promise<{ status: number; ms: number; code?: string; at: number }> {
  const t = performance.now();
  const res = await what;
  const body = (await res.json().catch(() => ({}))) as { code?: string };
  return { status: res.status, ms: performance.now() - t, code: body.code, at: performance.now() };
}

async function main(): Promise<void> {
  const holds = process.argv.slice(2).map(Number);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-lock-'));
  const config = AppConfig.fromProcess({
    NODE_ENV: 'test',
    DATABASE_URL: `file:${path.join(dir, 'lock.db')}`,
    MODELS_DIR: path.join(REPO, 'test/fixtures/fake-models'),
    LOG_LEVEL: 'error',
  });
  const app = await createApp(config, []);
  await app.listen(0, '127.0.0.1');
  const base = await app.getUrl();
  const password = 'a fine long passphrase';
  const user = await app.get(UsersService).create({ email: 'lock@example.test', password, role: 'user', mustChangePassword: false });
  const api = await app.get(SessionsService).create(user.id, 'api');
  const png = await sharp({ create: { width: 300, height: 300, channels: 3, background: { r: 200, g: 200, b: 200 } } }).png().toBuffer();
  const login = () => fetch(`${base}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password }) });
  const analysis = () => {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'x.png');
    return fetch(`${base}/api/v1/analyses`, { method: 'POST', headers: { authorization: `Bearer ${api.token}` }, body: form });
  };
  console.log(`no lock: login ${JSON.stringify(await timed(login()))}, analysis ${JSON.stringify(await timed(analysis()))}`);

  for (const holdMs of holds.length ? holds : [3000, 8000]) {
    const { released } = await holdLock(config.databaseFile, holdMs);
    const t0 = performance.now();
    const poller = pollHealthz(`${base}/healthz`, holdMs + 1000);
    let worstGap = 0;
    let last = performance.now();
    const tick = setInterval(() => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
    }, 5);
    const writes = await Promise.all([timed(login()), timed(analysis()), timed(login()), timed(fetch(`${base}/readyz`))]);
    const releasedAt = (await Promise.race([released, new Promise<number>((r) => setTimeout(() => r(NaN), holdMs + 2000))])) - t0;
    clearInterval(tick);
    const { worst, answers } = await poller;
    const fmt = (w: { status: number; ms: number; code?: string; at: number }) => `${w.status}${w.code ? ` ${w.code}` : ''} in ${w.ms.toFixed(0)} ms`;
    console.log(
      `lock held ${holdMs} ms (released at +${releasedAt.toFixed(0)} ms): /healthz worst ${worst.toFixed(0)} ms over ${answers} answers, worst 5-ms timer gap ${worstGap.toFixed(0)} ms; ` +
        `login ${fmt(writes[0])}, analysis ${fmt(writes[1])}, second login ${fmt(writes[2])}; /readyz ${fmt(writes[3])}`,
    );
    await new Promise((r) => setTimeout(r, 300));
  }
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
