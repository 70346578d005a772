/**
 * Start-up fails fast, with the reason, instead of serving a process that looks up but answers
 * 503 to every analysis: models that do not load (none, or a card that does not match its graph),
 * a SQLite path that cannot hold the database. The same for the CLI (`npm run evaluate`).
 */
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createAnalysisContext } from '../../src/cli/analysis-context';
import { applyMigrations, openDatabaseFile } from '../../src/prisma/migrator';
import { MIGRATIONS_DIR } from '../../src/prisma/database';
import { initialisedApp, listen, StartupError } from '../../src/startup';
import { FAKE_MODELS_DIR, REPO_ROOT, tempDir, testConfig } from '../support/app';
import { TS_REGISTER } from '../../src/common/source-exec-argv';

function mismatchedModels(): string {
  const dir = tempDir('sentinel-startup-models-');
  for (const name of ['triage', 'brain_tumor']) fs.cpSync(path.join(FAKE_MODELS_DIR, name), path.join(dir, name), { recursive: true });
  const file = path.join(dir, 'brain_tumor', 'model_card.json');
  const card = JSON.parse(fs.readFileSync(file, 'utf8')) as { input: { size: number } };
  card.input.size = 256;
  fs.writeFileSync(file, JSON.stringify(card));
  return dir;
}

async function startupError(overrides: Record<string, string>): Promise<StartupError> {
  const err: unknown = await initialisedApp(testConfig(overrides)).then(
    async (app) => {
      await app.close();
      return null;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StartupError);
  return err as StartupError;
}

describe('start-up (npm start)', () => {
  it('starts, initialised and ready, with working models and database', async () => {
    const app = await initialisedApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' }));
    try {
      expect((await request(app.getHttpServer()).get('/readyz')).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('refuses to start without models, naming the folder and the reason', async () => {
    const dir = tempDir('sentinel-no-models-');
    const err = await startupError({ MODELS_DIR: dir });
    expect(err.message).toContain('MRI Sentinel did not start');
    expect(err.message).toContain('models: expected exactly one triage model, found 0');
    expect(err.message).toContain(dir);
  });

  it('refuses to start when a card does not match its ONNX graph', async () => {
    const err = await startupError({ MODELS_DIR: mismatchedModels(), INFERENCE_WORKERS: '0' });
    expect(err.message).toContain('brain_tumor: model.onnx does not match its card');
  });

  it('refuses to start when a model folder has no card (a half-copied brain_tumor), instead of answering every brain MRI "no validated model"', async () => {
    // it started, and a brain MRI was a 200 inconclusive NO_VALIDATED_MODEL, recorded in the history
    const dir = tempDir('sentinel-startup-models-');
    for (const name of ['triage', 'brain_tumor']) fs.cpSync(path.join(FAKE_MODELS_DIR, name), path.join(dir, name), { recursive: true });
    fs.rmSync(path.join(dir, 'brain_tumor', 'model_card.json'));
    fs.mkdirSync(path.join(dir, '.cache')); // a hidden folder is not a model
    fs.mkdirSync(path.join(dir, 'lost+found')); // nor one with neither a graph nor a card (a mounted volume's root)
    const err = await startupError({ MODELS_DIR: dir, INFERENCE_WORKERS: '0' });
    expect(err.message).toContain('brain_tumor: no model_card.json in the folder');
    expect(err.message).not.toContain('.cache');
    expect(err.message).not.toContain('lost+found');
  });

  // a card copied in part (a full disk, an interrupted copy): it said "triage: Unexpected end of JSON
  // input" or "Bad control character in string literal in JSON at position 23", naming no file
  it('refuses to start when a card was written in part, naming the file and what to do', async () => {
    const dir = tempDir('sentinel-startup-models-');
    for (const name of ['triage', 'brain_tumor']) fs.cpSync(path.join(FAKE_MODELS_DIR, name), path.join(dir, name), { recursive: true });
    const card = path.join(dir, 'triage', 'model_card.json');
    fs.writeFileSync(card, fs.readFileSync(card, 'utf8').slice(0, 40));
    const err = await startupError({ MODELS_DIR: dir, INFERENCE_WORKERS: '0' });
    expect(err.message).toMatch(/triage: model_card\.json is not valid JSON \(.+\): it was written in part or edited; copy the model's folder again/);
  });

  it('refuses to start when the SQLite path cannot hold a database (a file where a folder should be)', async () => {
    const file = path.join(tempDir('sentinel-db-'), 'not-a-folder');
    fs.writeFileSync(file, 'x');
    const err = await startupError({ MODELS_DIR: FAKE_MODELS_DIR, DATABASE_URL: `file:${file}/sentinel.db` });
    expect(err.message).toContain(`Cannot open or create the SQLite database ${file}/sentinel.db`);
    expect(err.message).toContain('DATABASE_URL must name a file in a folder this user can write to');
  });

  it('DB_MIGRATE_ON_START=false on an unmigrated database: one line naming it and the way out, not Prisma\'s text', async () => {
    // it was "Invalid `this.prisma.user.count()` invocation in …/user.repository.ts … The table `main.User` does not exist"
    const file = path.join(tempDir('sentinel-db-'), 'empty.db');
    fs.writeFileSync(file, '');
    const seeded = { MODELS_DIR: FAKE_MODELS_DIR, DB_MIGRATE_ON_START: 'false', SEED_ADMIN_EMAIL: 'first@example.org', SEED_ADMIN_PASSWORD: 'a long first passphrase' };
    const err = await startupError({ ...seeded, DATABASE_URL: `file:${file}` });
    expect(err.message).toBe(`The database ${file} has not been migrated and DB_MIGRATE_ON_START is false: start once with DB_MIGRATE_ON_START=true (or apply the committed migrations) first.`);
    // migrated, then one migration's record removed: the missing one is named
    const app = await initialisedApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, DATABASE_URL: `file:${file}` }));
    await app.close();
    const db = openDatabaseFile(file);
    const last = db.prepare('SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name DESC LIMIT 1').get() as { migration_name: string };
    db.prepare('DELETE FROM "_prisma_migrations" WHERE migration_name = ?').run(last.migration_name);
    // and a table gone behind the records' back: a query the seed makes fails, in one line too
    const other = path.join(tempDir('sentinel-db-'), 'damaged.db');
    fs.copyFileSync(file, other);
    db.close();
    const partly = await startupError({ ...seeded, DATABASE_URL: `file:${file}` });
    expect(partly.message).toMatch(new RegExp(`^The database ${file} lacks 1 of \\d+ migrations \\(${last.migration_name}\\) and DB_MIGRATE_ON_START is false`));
    const damaged = openDatabaseFile(other);
    damaged.prepare(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES ('x', 'x', ?, 0, 0, 1)`).run(last.migration_name);
    damaged.exec('DROP TABLE "Session"; DROP TABLE "Analysis"; DROP TABLE "User"');
    damaged.close();
    const broken = await startupError({ ...seeded, DATABASE_URL: `file:${other}` });
    expect(broken.message).not.toContain('\n');
    expect(broken.message).toContain(`the database ${other} refused a start-up query`);
    expect(broken.message).not.toContain('invocation');
  });

  // a rolled-back deployment: the older build started on a database a newer one had migrated and said nothing
  it('a database migrated by a newer build: starts, with one warning naming the migrations it does not have', async () => {
    const file = path.join(tempDir('sentinel-db-'), 'newer.db');
    applyMigrations(file, MIGRATIONS_DIR);
    const db = openDatabaseFile(file);
    db.prepare(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES ('n', 'n', '29990101000000_from_the_future', 0, 0, 1)`).run();
    db.close();
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      for (const migrate of ['true', 'false']) {
        warn.mockClear();
        const app = await initialisedApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0', DATABASE_URL: `file:${file}`, DB_MIGRATE_ON_START: migrate }));
        await app.close();
        expect(warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes('newer MRI Sentinel'))).toEqual([
          `The database ${file} has 1 migration(s) this build does not have (29990101000000_from_the_future): it was migrated by a newer MRI Sentinel, whose changes this version does not know; run that version, or restore a backup made before it.`,
        ]);
      }
    } finally {
      warn.mockRestore();
    }
  });

  it('answers for a SQLite path under /proc too (Node 20\'s recursive mkdir never returned there)', async () => {
    if (!fs.existsSync('/proc/self')) return;
    // in a child process: the old start-up spun in mkdirSync, deaf to signals and timers
    const script = `require(${JSON.stringify(TS_REGISTER)});
      const { openDatabaseFile } = require('./src/prisma/migrator');
      try { openDatabaseFile('/proc/sentinel-no-such-folder/s.db'); console.log('opened'); } catch (e) { console.log(e.name + ': ' + e.message); }`;
    const child = spawn(process.execPath, ['-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    try {
      await new Promise<void>((resolve) => child.once('exit', () => resolve()));
    } finally {
      child.kill('SIGKILL');
    }
    expect(out).toContain('MigrationError: Cannot open or create the SQLite database /proc/sentinel-no-such-folder/s.db');
  });
});

/** children still running when a test ends (e.g. an old main.ts that listens instead of exiting) */
const children = new Set<ReturnType<typeof spawn>>();
afterEach(() => {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
});

/** A TypeScript entry of this repo run as its npm script runs it (from the sources here, through scripts/ts-register.cjs): exit code and all it printed. */
async function runEntry(entry: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['-r', TS_REGISTER, entry, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (out += String(d)));
  try {
    return { code: await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c))), out };
  } finally {
    child.kill('SIGKILL');
  }
}

/** src/main.ts as `npm start` runs it. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const dir = tempDir('sentinel-main-');
  return runEntry('src/main.ts', [], { PORT: '0', HOST: '127.0.0.1', DATABASE_URL: `file:${path.join(dir, 'db.sqlite')}`, SEED_ADMIN_PRINT: 'false', ...env });
}

describe('the npm start entry (src/main.ts)', () => {
  it('exits 1 with the reason when a card does not match its graph (models opening in 2 workers)', async () => {
    const { code, out } = await runMain({ MODELS_DIR: mismatchedModels(), INFERENCE_WORKERS: '2' });
    expect(out).toContain('MRI Sentinel did not start');
    expect(out).toContain('brain_tumor: model.onnx does not match its card');
    expect(out).not.toContain('listening on');
    expect(code).toBe(1);
  });

  // it was Node's stack trace ("Error: listen EADDRINUSE … at Server.setupListenHandle"), exit 1
  // through an unhandled rejection, with the workers and the database never closed
  it('a PORT another process holds: exit 1, one line naming the address and the setting, no stack trace', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    try {
      const { code, out } = await runMain({ MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0', PORT: String(port) });
      expect(out).toContain(`MRI Sentinel did not start: 127.0.0.1:${port} is already in use by another process (EADDRINUSE): stop that process or set PORT.`);
      expect(out).not.toMatch(/^\s+at /m);
      expect(out).not.toContain('listening on');
      expect(code).toBe(1);
    } finally {
      holder.close();
    }
  });
});

describe('the npm start entry: stored series descriptions older rules kept', () => {
  // checked after listen, off the request path: one warning with the count, naming the command; never a description
  it('logs one warning naming `npm run descriptions:rescrub` when stored descriptions would change', async () => {
    const file = path.join(tempDir('sentinel-main-rescrub-'), 'db.sqlite');
    applyMigrations(file, MIGRATIONS_DIR);
    const db = new Database(file);
    const insert = db.prepare('INSERT INTO "Analysis" (id, createdAt, byteSize, sha256, status, kind, seriesDescription) VALUES (?, ?, 1, ?, ?, ?, ?)');
    for (const [i, d] of ['DOB 01 JAN 1970 T1', 'AX T1 FLAIR', 'T2 MRN 123 456'].entries()) insert.run(randomUUID(), new Date().toISOString(), String(i).padStart(64, '0'), 'completed', 'study', d);
    db.close();
    const child = spawn(process.execPath, ['-r', TS_REGISTER, 'src/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'log', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: `file:${file}`, SEED_ADMIN_PRINT: 'false', MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const seen = (d: Buffer) => {
        out += String(d);
        if (out.includes('descriptions:rescrub')) resolve();
      };
      child.stdout.on('data', seen);
      child.stderr.on('data', seen);
      child.once('exit', (code) => reject(new Error(`exited ${code} before the warning:\n${out}`)));
    });
    const lines = out.split('\n').filter((l) => l.includes('descriptions:rescrub'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("2 of the 3 stored series descriptions would change under today's de-identification rules");
    expect(out).toContain('listening on');
    expect(out).not.toMatch(/JAN 1970|123 456/);
  });
});

describe('listen (PORT, HOST)', () => {
  it('a HOST that is not an address of this machine: a StartupError naming HOST, the app closed', async () => {
    // 192.0.2.1: TEST-NET-1 (RFC 5737), assigned to no machine
    const config = testConfig({ MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0', HOST: '192.0.2.1', PORT: '0' });
    const app = await initialisedApp(config);
    const err: unknown = await listen(app, config).then(() => app.close(), (e: unknown) => e);
    expect(err).toBeInstanceOf(StartupError);
    expect((err as Error).message).toBe('MRI Sentinel did not start: HOST 192.0.2.1 is not an address of this machine (EADDRNOTAVAIL): set HOST to one of its addresses, or 0.0.0.0 for all.');
  });
});

/** `npm run evaluate` (its source, as runMain runs src/main.ts). */
function runEvaluate(args: string[]): Promise<{ code: number | null; out: string }> {
  return runEntry('src/cli/evaluate.ts', args, { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' });
}

describe('start-up (npm run evaluate)', () => {
  it('a missing --manifest or --studies path: exit 2, one line naming it and the usage, no stack trace', async () => {
    const missing = path.join(tempDir('sentinel-evaluate-'), 'nowhere');
    for (const [option, kind] of [['--manifest', 'file'], ['--studies', 'folder']]) {
      const { code, out } = await runEvaluate([option, missing]);
      expect(out.split('\n')[0]).toBe(`${option}: no such ${kind}: ${missing}`);
      expect(out).toContain('Usage: npm run evaluate');
      expect(out).not.toMatch(/^\s+at /m);
      expect(code).toBe(2);
    }
  });


  it('stops with the reason when the models do not load, instead of one error line per image', async () => {
    const dir = tempDir('sentinel-no-models-');
    const err: unknown = await createAnalysisContext(testConfig({ MODELS_DIR: dir })).then(
      async ({ ctx }) => {
        await ctx.close();
        return null;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StartupError);
    expect((err as Error).message).toBe(`The models in ${dir} did not load: expected exactly one triage model, found 0`);
  });
});
