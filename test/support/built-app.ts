/**
 * The built server (dist/main.js) in a child process, as `npm start` runs it: for the tests whose
 * failure is the process itself ending (a signal, an abort in native code), which an in-process
 * app would take jest down with. Skip such a test when there is no build (CI builds first).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { FAKE_MODELS_DIR, REPO_ROOT, tempDir } from './app';

export const MAIN = path.join(REPO_ROOT, 'dist/main.js');
export const hasBuild = (): boolean => fs.existsSync(MAIN);

/** A port free on 127.0.0.1 now (the OS's pick), for a server started next. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const exited = (child: ChildProcess) => new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

/**
 * dist/main.js on a free port with the fake models (unless `env` names MODELS_DIR), once /readyz
 * says 200; `log` collects its output. `viaNpm`: started as `npm start` is (its prestart build
 * skipped), so `child` is npm.
 */
export async function startBuilt(env: Record<string, string> = {}, viaNpm = false) {
  const dir = tempDir('sentinel-built-');
  const port = await freePort();
  const [command, args] = viaNpm ? ['npm', ['start', '--ignore-scripts', '--silent']] : [process.execPath, [MAIN]];
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `file:${path.join(dir, 'db.sqlite')}`, MODELS_DIR: FAKE_MODELS_DIR, SESSION_SECRET: 'x'.repeat(40), SEED_ADMIN_PRINT: 'false', LOG_LEVEL: 'log', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { child, port, log: '', done: exited(child) };
  child.stdout?.on('data', (d) => (out.log += String(d)));
  child.stderr?.on('data', (d) => (out.log += String(d)));
  let ready = false;
  for (let i = 0; i < 600 && !ready; i++) {
    try {
      ready = (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  expect(ready).toBe(true);
  return out;
}

/** A bearer token of the admin that `startBuilt` seeded from SEED_ADMIN_EMAIL / SEED_ADMIN_PASSWORD. */
export async function builtToken(port: number, email: string, password: string): Promise<string> {
  const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  return ((await login.json()) as { token: string }).token;
}
