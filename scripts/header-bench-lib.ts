/**
 * What the big-header measurements share (measure-header-stall.ts, measure-header-warm.ts): studies
 * of DICOM files with very large headers, their multipart bodies, and a built server (dist/main.js)
 * started as test/support/built-app.ts starts it (temp SQLite, fake models), signed in.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bigHeader, deflatedDicom } from '../test/support/big-header-fixtures';
import { freePort } from '../test/support/built-app';
import { dicomSlice, newUid, syntheticSlice } from '../test/support/study-fixtures';

export const ROOT = path.resolve(__dirname, '..');
const ADMIN = { email: 'stall@example.org', password: 'stall-measure-password-1' };
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `--name value` pairs of the command line. */
export function cliArgs(): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
  return args;
}

/**
 * One study: `files` slices (64², one series), each with a private sequence of `items` items of
 * one element (2 entries an item: 100,000 → ~200,000 entries, just under the per-file cap).
 * `deflate`: every file in Deflated Explicit VR Little Endian.
 */
export function bigHeaderStudy(files: number, items: number, deflate: boolean): Buffer[] {
  const seriesUid = newUid();
  const transferSyntax = deflate ? '1.2.840.10008.1.2.1.99' : undefined;
  return Array.from({ length: files }, (_, k) => {
    const file = bigHeader(dicomSlice(syntheticSlice(64, 64, (x, y) => (x * 3 + y * 5 + k * 11) % 251), { seriesUid, z: k * 5, instanceNumber: k + 1, transferSyntax }), items);
    return deflate ? deflatedDicom(file) : file;
  });
}

export const BOUNDARY = 'header-bench-boundary';

export function multipart(files: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  files.forEach((f, i) => {
    parts.push(Buffer.from(`--${BOUNDARY}\r\ncontent-disposition: form-data; name="files"; filename="IM${i}.dcm"\r\ncontent-type: application/dicom\r\n\r\n`), f, Buffer.from('\r\n'));
  });
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}

export interface Server {
  main: string;
  child: ChildProcess;
  port: number;
  token: string;
  log: string;
}

/** Starts `main` (a built dist/main.js) with `env` over the measurement's settings; resolves once /readyz is 200 and the admin is signed in. */
export async function startServer(main: string, env: Record<string, string> = {}): Promise<Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'header-bench-'));
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `file:${path.join(dir, 'db.sqlite')}`,
      MODELS_DIR: path.join(ROOT, 'test/fixtures/fake-models'),
      SESSION_SECRET: 's'.repeat(40),
      SEED_ADMIN_EMAIL: ADMIN.email,
      SEED_ADMIN_PASSWORD: ADMIN.password,
      SEED_ADMIN_PRINT: 'false',
      RATE_LIMIT_ANALYSES_PER_MINUTE: '1000000',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const s: Server = { main, child, port, token: '', log: '' };
  child.stdout?.on('data', (d) => (s.log = (s.log + String(d)).slice(-4000)));
  child.stderr?.on('data', (d) => (s.log = (s.log + String(d)).slice(-4000)));
  process.once('exit', () => child.kill('SIGKILL'));
  for (let i = 0; i < 900; i++) {
    if (child.exitCode !== null) throw new Error(`${main} ended at start:\n${s.log}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) {
      const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
      s.token = ((await login.json()) as { token: string }).token;
      return s;
    }
    await sleep(100);
  }
  throw new Error(`${main} not ready in 90 s`);
}

/** POST /api/v1/studies of one multipart body: "status code" (or "error …"), and the answer's timingsMs.decode (files read, headers parsed) when it has one. */
export function postStudy(s: Server, body: Buffer): Promise<{ answer: string; decodeMs: number | null }> {
  return fetch(`http://127.0.0.1:${s.port}/api/v1/studies`, { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body }).then(
    async (r) => {
      const json = (await r.json()) as { code?: string; timingsMs?: { decode?: number } };
      return { answer: `${r.status} ${json.code ?? ''}`.trim(), decodeMs: json.timingsMs?.decode ?? null };
    },
    (e: unknown) => ({ answer: `error ${String(e)}`, decodeMs: null }),
  );
}

/** The server process's resident memory (MB) and thread count, from /proc (Linux). */
export function residentOf(s: Server): { rssMb: number; threads: number } {
  const status = fs.readFileSync(`/proc/${s.child.pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(field('VmRSS') / 1024), threads: field('Threads') };
}

/** The p-quantile of `xs` (nearest rank). */
export const quantile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] : NaN;
};
