/**
 * The SQLite file at DATABASE_URL removed or replaced under the running process (an `rm -r data/`,
 * a backup restored with mv): SQLite writes on into the file it opened, which no restart reads.
 * history-write-fault.e2e covers the history rows; here every other write: a login's session, a
 * password change, an admin's new user, an Idempotency-Key's reservation, a token's revocation.
 * Each answered 200/201/204 on the build (a session, a user that vanished at the next start); now
 * 503 DATABASE_UNAVAILABLE, and reads (history, the user list) go on. After a restart, the process
 * is on the file at the path and each write succeeds again; none of the refused ones is in it.
 */
import * as fs from 'node:fs';
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AppConfig } from '../../src/config/config.service';
import { PrismaService } from '../../src/prisma/prisma.service';
import { CapturingAuditSink } from '../helpers/capturing-audit-sink';
import { loginAs, TestSession } from '../helpers/auth';
import { solidPng } from '../support/images';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';

/** What every refused write answers: waiting cannot cure it, so no Retry-After, and the message says who must act. */
const UNAVAILABLE = {
  statusCode: 503,
  code: 'DATABASE_UNAVAILABLE',
  message: 'The database is not accepting changes until an administrator restarts the service (its database file was moved or replaced while it ran). Retrying before then will not help.',
};
/** Status, body and Retry-After of an answer, for one comparison. */
const answer = (res: request.Response) => ({ status: res.status, body: res.body as unknown, retryAfter: res.headers['retry-after'] });
const REFUSED = { status: 503, body: UNAVAILABLE, retryAfter: undefined };

describe.each(['removed', 'replaced'] as const)('every write refused while the database file is %s under the process', (how) => {
  const config = testConfig({ MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0' });
  let app: NestExpressApplication;
  let user: TestSession;
  let admin: TestSession;
  const audit = new CapturingAuditSink();

  beforeAll(async () => {
    app = await startApp(config, [], { auditSink: audit });
    user = await loginAs(app);
    admin = await loginAs(app, { role: 'admin' });
  });
  afterAll(async () => {
    await app?.close();
  });

  const server = () => app.getHttpServer();
  const login = (password: string) => request(server()).post('/api/v1/auth/token').send({ email: user.user.email, password });
  const changePassword = (bearer: TestSession['bearer'], current: string, password: string) =>
    request(server()).post('/api/v1/auth/password').set(bearer).send({ current, password });
  const createUser = (email: string) => request(server()).post('/api/v1/users').set(admin.bearer).send({ email, password: 'Plenty-of-entropy-42', role: 'user' });
  const analyseOnce = async (key: string) =>
    request(server())
      .post('/api/v1/analyses')
      .set(user.bearer)
      .set('Idempotency-Key', key)
      .attach('image', await solidPng(128, 128, 255), 'x.png');

  it(`login, password change, user creation and an Idempotency-Key answer 503 DATABASE_UNAVAILABLE; reads go on; after a restart all succeed, none of the refused kept`, async () => {
    const file = config.databaseFile;
    expect(app.get(AppConfig).databaseFile).toBe(file);
    const newcomer = `new-${how}@example.test`;
    const fresh = `Another-long-password-${how}-7`;

    fs.renameSync(file, `${file}.aside`);
    // 'replaced': a copy of the file moved to the path (a restore with mv); 'removed': nothing there
    // until it is put back before the restart (else the restart migrates a new, empty database)
    if (how === 'replaced') fs.copyFileSync(`${file}.aside`, file);

    const token = await login(user.password);
    expect(answer(token)).toEqual(REFUSED);
    const changed = await changePassword(user.bearer, user.password, fresh);
    expect(answer(changed)).toEqual(REFUSED);
    const created = await createUser(newcomer);
    expect(answer(created)).toEqual(REFUSED);
    const keyed = await analyseOnce(`key-${how}-1`);
    expect(answer(keyed)).toEqual(REFUSED);
    // a revocation too: the token would be gone only from the file no restart reads
    const revoked = await request(server()).delete('/api/v1/auth/token').set(admin.bearer);
    expect(answer(revoked)).toEqual(REFUSED);
    // the audit log says the revocation was asked for and did not happen (it wrote nothing: the token stays valid)
    expect(audit.events().filter((e) => e.event.startsWith('token.revoke')).map(({ event, reason, userId }) => ({ event, reason, userId }))).toEqual([
      { event: 'token.revoke.failure', reason: 'database_unavailable', userId: admin.user.id },
    ]);
    // reads: the sessions made before still resolve, history and the user list answer
    expect((await request(server()).get('/api/v1/history').set(user.bearer)).status).toBe(200);
    const users = await request(server()).get('/api/v1/users').set(admin.bearer);
    expect(users.status).toBe(200);
    expect((users.body as { email: string }[]).map((u) => u.email)).not.toContain(newcomer);

    await app.close();
    if (how === 'removed') fs.renameSync(`${file}.aside`, file);
    else fs.rmSync(`${file}.aside`);
    app = await startApp(config);

    // the old password still holds (the change was refused), the user was never created
    expect((await login(fresh)).status).toBe(401);
    const again = await login(user.password);
    expect(again.status).toBe(200);
    const bearer = { Authorization: `Bearer ${(again.body as { token: string }).token}` };
    expect((await changePassword(bearer, user.password, fresh)).status).toBe(200);
    user = { ...user, password: fresh };
    expect((await login(fresh)).status).toBe(200);
    expect((await createUser(newcomer)).status).toBe(201);
    const prisma = app.get(PrismaService);
    expect(await prisma.idempotencyKey.count()).toBe(0);
    const tokenNow = await login(fresh);
    user = { ...user, bearer: { Authorization: `Bearer ${(tokenNow.body as { token: string }).token}` } };
    expect((await analyseOnce(`key-${how}-1`)).status).toBe(200);
    expect(await prisma.idempotencyKey.count()).toBe(1);
  });
});
