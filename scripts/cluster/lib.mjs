// Starts and stops the cluster's processes on this machine: PostgreSQL (a throwaway cluster in a
// temp folder, 127.0.0.1 only), Redis, N app replicas (node dist/main.js) and HAProxy. Used by
// `npm run cluster`, the cluster test suite (test/cluster) and `npm run bench -- --cluster`.
// Every process is a child of this one; stop() ends them all (and so does exiting).
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PG_BIN = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'].find((d) => fs.existsSync(path.join(d, 'postgres')));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Polls fn until it returns truthy or the time is up (then throws with what). */
export async function waitFor(what, fn, timeoutMs = 30_000, everyMs = 100) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await fn()) return;
    } catch (err) {
      if (err?.fatal) throw err; // e.g. the process exited: waiting longer cannot help
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

const children = new Set();
function track(name, child, logFile) {
  const out = fs.createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const entry = { name, child, logFile, exited: new Promise((r) => child.once('exit', (code, signal) => r({ code, signal }))) };
  children.add(entry);
  entry.exited.then(() => children.delete(entry));
  return entry;
}
async function stopProcess(entry, signal = 'SIGTERM', graceMs = 10_000) {
  if (!entry || entry.child.exitCode !== null || entry.child.signalCode !== null) return;
  entry.child.kill(signal);
  const t = setTimeout(() => entry.child.kill('SIGKILL'), graceMs);
  await entry.exited;
  clearTimeout(t);
}
process.once('exit', () => {
  for (const e of children) e.child.kill('SIGKILL');
});

/** The uid/gid that PostgreSQL runs as: `postgres` when we are root (initdb refuses root). */
function pgUser() {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
  return { uid, gid };
}

export async function startPostgres(dir) {
  if (!PG_BIN) throw new Error('PostgreSQL server binaries not found (apt-get install postgresql)');
  const data = path.join(dir, 'pg');
  fs.mkdirSync(data, { recursive: true, mode: 0o700 });
  const ids = pgUser();
  if (ids.uid !== undefined) fs.chownSync(data, ids.uid, ids.gid);
  fs.chmodSync(dir, 0o755);
  execFileSync(path.join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], { ...ids, stdio: 'ignore' });
  const port = await freePort();
  // fsync off: a throwaway test/bench cluster on this machine, not a durable deployment.
  const args = ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', data, '-c', 'fsync=off', '-c', 'max_connections=200'];
  const proc = track('postgres', spawn(path.join(PG_BIN, 'postgres'), args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'] }), path.join(dir, 'postgres.log'));
  const admin = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const pg = (await import('pg')).default;
  await waitFor('postgres', async () => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query('CREATE DATABASE sentinel');
    await c.end();
    return true;
  });
  // pid: the postmaster (its backends are its children), for tests that freeze the server
  return { url: `postgresql://postgres@127.0.0.1:${port}/sentinel`, port, pid: proc.child.pid, stop: () => stopProcess(proc, 'SIGINT') };
}

export async function startRedis(dir, port) {
  port ??= await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const proc = track('redis', spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }), path.join(dir, 'redis.log'));
  await waitFor('redis', () => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
    s.on('data', (d) => { s.destroy(); resolve(d.toString().startsWith('+PONG')); });
    s.on('error', () => resolve(false));
  }));
  return { url: `redis://127.0.0.1:${port}`, port, stop: () => stopProcess(proc), kill: () => stopProcess(proc, 'SIGKILL') };
}

/** The last line a process wrote to its log (a replica's start-up failure is one line). */
function lastLine(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').pop();
  } catch {
    return '';
  }
}

async function ready(url) {
  const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
  return r.status === 200;
}

/** One replica: the production build, its own port, the shared database and Redis. */
export async function startReplica(dir, index, env, port) {
  port ??= await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/main.js')], {
    cwd: ROOT,
    env: { ...process.env, MALLOC_ARENA_MAX: '2', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = track(`app${index}`, child, path.join(dir, `app${index}.log`));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`replica ${index} /readyz`, async () => {
    if (child.exitCode !== null) throw Object.assign(new Error(`replica ${index} exited (${child.exitCode}): ${lastLine(proc.logFile)} (${proc.logFile})`), { fatal: true });
    return ready(url);
  }, 60_000);
  return { index, port, url, pid: child.pid, stop: () => stopProcess(proc), kill: () => stopProcess(proc, 'SIGKILL') };
}

export async function startBalancer(dir, backends, port) {
  port ??= await freePort();
  const servers = backends.map((b) => `    server app${b.index} 127.0.0.1:${b.port} check`).join('\n');
  const cfg = fs.readFileSync(path.join(ROOT, 'deploy/haproxy.cfg'), 'utf8').replace(/^(\s*bind )@BIND@$/m, `$1127.0.0.1:${port}`).replace(/^@SERVERS@$/m, servers);
  const file = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(file, cfg);
  const bin = fs.existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';
  const proc = track('haproxy', spawn(bin, ['-f', file, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] }), path.join(dir, 'haproxy.log'));
  const url = `http://127.0.0.1:${port}`;
  await waitFor('haproxy', async () => {
    if (proc.child.exitCode !== null) throw Object.assign(new Error(`haproxy exited (${proc.child.exitCode}); see ${proc.logFile}`), { fatal: true });
    return ready(url);
  });
  return { url, port, stop: () => stopProcess(proc) };
}

/**
 * PostgreSQL + Redis + N replicas + HAProxy. `env` is added to every replica's environment
 * (e.g. MODELS_DIR, rate limits). Returns handles to kill/restart single parts.
 */
export async function startCluster({ replicas = 2, env = {}, port, log = () => {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-cluster-'));
  const t0 = Date.now();
  const parts = { dir, replicas: [] };
  const stop = async () => {
    await parts.balancer?.stop();
    await Promise.all(parts.replicas.map((r) => r?.stop()));
    await parts.redis?.stop();
    await parts.postgres?.stop();
  };
  try {
    parts.postgres = await startPostgres(dir);
    log(`postgres ${parts.postgres.url} (${Date.now() - t0} ms)`);
    parts.redis = await startRedis(dir);
    log(`redis ${parts.redis.url}`);
    parts.env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: parts.postgres.url,
      REDIS_URL: parts.redis.url,
      SESSION_SECRET: 'cluster-secret-' + 'x'.repeat(32),
      TRUST_PROXY: '1',
      // a stop waits this long with /readyz 503 before the listener closes: HAProxy here checks every
      // 1 s and drops a replica after 2 failures (deploy/haproxy.cfg); TRUST_PROXY's default 5 s is
      // sized for compose's 2 s × 2 and would add 5 s to every replica the suites stop
      SHUTDOWN_DELAY_MS: '3000',
      SEED_ADMIN_EMAIL: 'admin@cluster.test',
      SEED_ADMIN_PASSWORD: 'cluster admin passphrase',
      ...env,
    };
    // All replicas start at once: they race for the migration lock and the first-admin seed.
    parts.replicas = await Promise.all(Array.from({ length: replicas }, (_, i) => startReplica(dir, i, parts.env)));
    log(`${replicas} replicas ready (${Date.now() - t0} ms): ${parts.replicas.map((r) => r.url).join(' ')}`);
    parts.balancer = await startBalancer(dir, parts.replicas, port);
    log(`haproxy ${parts.balancer.url} (${Date.now() - t0} ms)`);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    ...parts,
    url: parts.balancer.url,
    /** restart replica i on its old port (HAProxy's check puts it back in rotation) */
    async restartReplica(i) {
      parts.replicas[i] = await startReplica(dir, i, parts.env, parts.replicas[i].port);
      return parts.replicas[i];
    },
    async restartRedis() {
      parts.redis = await startRedis(dir, parts.redis.port);
    },
    stop,
  };
}
