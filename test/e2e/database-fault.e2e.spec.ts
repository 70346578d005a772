/**
 * Issue 11 F7 — readiness that means ready. When the database stops accepting writes (here:
 * SQLite's query_only switch on the app's connection, as a read-only file or mount behaves;
 * chmod cannot simulate it for root), /readyz answers 503 DATABASE_UNAVAILABLE at once, requests
 * that need a write answer 503 with that code (not 500), and everything recovers when writes do.
 */
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AppConfig } from '../../src/config/config.service';
import { PrismaService } from '../../src/prisma/prisma.service';
import { createUser, loginAs } from '../helpers/auth';
import { eventually } from '../helpers/eventually';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { solidPng } from '../support/images';

describe('database faults (F7)', () => {
  let app: NestExpressApplication;
  let prisma: PrismaService;

  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR }));
    prisma = app.get(PrismaService);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('is ready while the database takes writes; /readyz shows no message or path', async () => {
    const res = await request(app.getHttpServer()).get('/readyz').expect(200);
    expect(res.body).toEqual({ status: 'ready', checks: { database: { ok: true }, models: { ok: true } } });
  });

  it('a database that refuses writes → /readyz 503 DATABASE_UNAVAILABLE; a login → 503 with that code, not 500', async () => {
    const server = app.getHttpServer();
    const { user, password } = await createUser(app);
    const admin = await loginAs(app, { role: 'admin' });
    await prisma.$executeRawUnsafe('PRAGMA query_only = ON');
    try {
      const ready = await request(server).get('/readyz').expect(503);
      expect(ready.body).toEqual({ status: 'not_ready', checks: { database: { ok: false, code: 'DATABASE_UNAVAILABLE' }, models: { ok: true } } });
      expect(JSON.stringify(ready.body)).not.toMatch(/\//);
      // the reason, for the log line of each /readyz and the start-up message: one line, not Prisma's paragraph
      const probe = await prisma.writable();
      expect(probe).toEqual({ ok: false, detail: expect.stringContaining('SQLITE_READONLY') });
      expect(probe.detail).not.toMatch(/\n|Invalid `prisma/);
      const login = await request(server).post('/api/v1/auth/token').send({ email: user.email, password });
      expect(login.status).toBe(503);
      expect(login.body).toEqual({ statusCode: 503, code: 'DATABASE_UNAVAILABLE', message: expect.any(String) });
      const create = await request(server).post('/api/v1/users').set(admin.bearer).send({ email: 'late@example.test', password: 'a fine long passphrase' });
      expect(create.status).toBe(503);
      await request(server).get('/healthz').expect(200);
    } finally {
      await prisma.$executeRawUnsafe('PRAGMA query_only = OFF');
    }
    await request(server).get('/readyz').expect(200);
    await request(server).post('/api/v1/auth/token').send({ email: user.email, password }).expect(200);
  });

  // a sqlite3 session left in a transaction: the start stopped with "database: write probe took
  // longer than 2000 ms" (tried: a second process holding BEGIN EXCLUSIVE), naming no lock
  it('the write lock held by another connection: the probe says who is likely holding it', async () => {
    const holder = new Database(app.get(AppConfig).databaseFile);
    holder.exec('BEGIN IMMEDIATE');
    try {
      const probe = await prisma.writable(200);
      expect(probe).toEqual({ ok: false, detail: 'no write committed within 200 ms: another process holds the write lock of the SQLite file (a sqlite3 session or a backup in a transaction?), or its disk does not answer' });
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(await eventually(() => prisma.writable(), (p) => p.ok)).toEqual({ ok: true });
  });

  // it stayed ready and recorded into the file it had open, which no restart reads
  it('the database file removed or replaced under the running process → /readyz 503 until it is back', async () => {
    const server = app.getHttpServer();
    const file = app.get(AppConfig).databaseFile;
    const aside = `${file}.aside`;
    fs.renameSync(file, aside);
    try {
      const ready = await request(server).get('/readyz').expect(503);
      expect(ready.body.checks.database).toEqual({ ok: false, code: 'DATABASE_UNAVAILABLE' });
      expect((await prisma.writable()).detail).toBe(`the database file ${file} was removed after start-up: this process still writes to the file it opened, which no restart will read; restart it`);
      fs.copyFileSync(aside, file); // another file at the path: a backup restored with mv or cp --remove-destination
      expect((await prisma.writable()).detail).toContain('was replaced after start-up');
      fs.rmSync(file);
    } finally {
      fs.renameSync(aside, file);
    }
    await request(server).get('/readyz').expect(200);
  });
});

/**
 * Another process holding SQLite's write lock (an admin's sqlite3 session in a transaction, a
 * backup tool): better-sqlite3 waited up to 5 s for it on the main thread, per write, and every
 * request — /healthz too — waited with it. Here the lock is held from this test process through
 * a second connection (SQLite locks the file per connection), and the app's statements are
 * counted at better-sqlite3's prepare() to know that a write was refused and is waiting.
 */
describe('a write lock held by another connection', () => {
  const tried = (spy: jest.SpyInstance, table: string) => spy.mock.calls.filter(([sql]) => typeof sql === 'string' && sql.startsWith(`INSERT INTO \`main\`.\`${table}\``)).length;

  async function withLock<T>(file: string, work: (release: () => void) => Promise<T>): Promise<T> {
    const other = new Database(file);
    other.prepare('BEGIN IMMEDIATE').run();
    const release = () => other.inTransaction && other.prepare('COMMIT').run();
    try {
      return await work(release);
    } finally {
      release();
      other.close();
    }
  }

  /** A user to log in, a signed-in user with an image to analyse, and the history's count before. */
  async function lockScene(app: NestExpressApplication) {
    const { user, password } = await createUser(app);
    const alice = await loginAs(app);
    const png = await solidPng(300, 300, 255);
    return { server: app.getHttpServer(), user, password, alice, png, before: await app.get(PrismaService).analysis.count() };
  }

  it('/healthz answers while a login and an analysis wait for it; both complete once it is released', async () => {
    const app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR })); // the default wait: 5 s
    const prepare = jest.spyOn(Database.prototype, 'prepare');
    try {
      const { server, user, password, alice, png, before } = await lockScene(app);
      const order: string[] = [];
      await withLock(app.get(AppConfig).databaseFile, async (release) => {
        const login = request(server).post('/api/v1/auth/token').send({ email: user.email, password }).then((r) => (order.push('login'), r));
        const analysis = request(server).post('/api/v1/analyses').set(alice.bearer).attach('image', png, 'x.png').then((r) => (order.push('analysis'), r));
        // each write refused at least once and tried again: both are waiting for the lock
        const waits = await eventually(() => [tried(prepare, 'Session'), tried(prepare, 'Analysis')], ([s, a]) => s >= 2 && a >= 2, 200);
        expect(waits.map((n) => n >= 2)).toEqual([true, true]);
        await request(server).get('/healthz').expect(200);
        order.push('healthz');
        expect(order).toEqual(['healthz']);
        release();
        expect((await login).status).toBe(200);
        expect((await analysis).status).toBe(200);
      });
      expect(order.slice(0, 1)).toEqual(['healthz']);
      expect(order.sort()).toEqual(['analysis', 'healthz', 'login']);
      expect(await app.get(PrismaService).analysis.count()).toBe(before + 1); // recorded once, not once per try
    } finally {
      prepare.mockRestore();
      await app.close();
    }
  });

  it('held past DB_LOCK_WAIT_MS: the login and the analysis answer 503 DATABASE_UNAVAILABLE (not 500), /readyz 503; all well once released', async () => {
    const app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, DB_LOCK_WAIT_MS: '200' }));
    try {
      const { server, user, password, alice, png, before } = await lockScene(app);
      await withLock(app.get(AppConfig).databaseFile, async () => {
        const login = await request(server).post('/api/v1/auth/token').send({ email: user.email, password });
        expect([login.status, login.body]).toEqual([503, { statusCode: 503, code: 'DATABASE_UNAVAILABLE', message: expect.any(String) }]);
        const analysis = await request(server).post('/api/v1/analyses').set(alice.bearer).attach('image', png, 'x.png');
        expect([analysis.status, analysis.body.code]).toEqual([503, 'DATABASE_UNAVAILABLE']);
        const ready = await request(server).get('/readyz').expect(503);
        expect(ready.body.checks.database).toEqual({ ok: false, code: 'DATABASE_UNAVAILABLE' });
      });
      expect(await app.get(PrismaService).analysis.count()).toBe(before);
      await request(server).get('/readyz').expect(200);
      await request(server).post('/api/v1/auth/token').send({ email: user.email, password }).expect(200);
      await request(server).post('/api/v1/analyses').set(alice.bearer).attach('image', png, 'x.png').expect(200);
    } finally {
      await app.close();
    }
  });
});
