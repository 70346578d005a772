/**
 * Issue 11 F7 — the production process ends on SIGTERM (Nest's shutdown hooks close the server,
 * the workers and the database, then the signal ends it; a hung step is cut off by a deadline).
 * Runs the built dist/main.js like `npm start`; skipped when there is no build (CI builds first).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { FAKE_MODELS_DIR, REPO_ROOT, tempDir } from '../support/app';

const MAIN = path.join(REPO_ROOT, 'dist/main.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const exited = (child: ChildProcess) => new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

(fs.existsSync(MAIN) ? describe : describe.skip)('SIGTERM (built server)', () => {
  it('stops serving and exits after a SIGTERM, with workers and models loaded', async () => {
    const dir = tempDir('sentinel-shutdown-');
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `file:${path.join(dir, 'db.sqlite')}`, MODELS_DIR: FAKE_MODELS_DIR, SESSION_SECRET: 'x'.repeat(40), SEED_ADMIN_PRINT: 'false', LOG_LEVEL: 'log' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout?.on('data', (d) => (log += String(d)));
    child.stderr?.on('data', (d) => (log += String(d)));
    const done = exited(child);
    let ready = false;
    for (let i = 0; i < 600 && !ready; i++) {
      try {
        ready = (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(ready).toBe(true);
    child.kill('SIGTERM');
    const end = await done;
    // re-raised by Nest after a clean close (or 0), never the deadline's exit code 1
    expect(end.signal === 'SIGTERM' || end.code === 0).toBe(true);
    expect(log).toContain('SIGTERM: shutting down');
    expect(log).not.toContain('did not finish');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
