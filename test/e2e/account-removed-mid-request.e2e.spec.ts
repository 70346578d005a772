/**
 * An account removed for good (README "Users and roles": `DELETE FROM "User" …`) while one of its
 * analyses or studies runs: the history row can no longer name its user (foreign key), so nothing
 * is recorded — and the caller is told its account is gone (401), not 503 DATABASE_UNAVAILABLE
 * "try again later" with Retry-After, logged as a database fault: the database was fine, and a
 * retry could only ever be a 401.
 *
 * The same deletion between a read of the account and a write to it — a login's lastLoginAt, an
 * admin's role change or new password — was Prisma's P2025 answered as a 500: now the login is a
 * 401 like any unknown account, the admin's change a 404 "No such user." like any unknown id.
 *
 * The interleavings are forced: the row is deleted just before the history row is written, or
 * just after the account was read.
 */
import request from 'supertest';
import { UserRepository } from '../../src/repositories/user.repository';
import { HistoryService } from '../../src/history/history.service';
import { PrismaService } from '../../src/prisma/prisma.service';
import { STUDY_RECORDER, StudyRecorder } from '../../src/studies/study-result';
import { loginAs, TestSession } from '../helpers/auth';
import { solidPng } from '../support/images';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { dicomSeries, syntheticSlice } from '../support/study-fixtures';

const SERIES = dicomSeries(Array.from({ length: 4 }, (_, k) => syntheticSlice(96, 96, (x, y) => ((x + y + k) % 97 === 0 ? 250 : 255))));

describe('an account deleted while its analysis runs', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR } });
  const prisma = () => h.get(PrismaService);

  /** Deletes `user`'s row right before the next history row (image or study) is written. */
  function deleteBeforeRecording(user: TestSession) {
    const drop = () => prisma().user.delete({ where: { id: user.user.id } });
    const history = h.get(HistoryService);
    const record = history.record.bind(history);
    const studies = h.app.get<StudyRecorder>(STUDY_RECORDER, { strict: false });
    const recordStudy = studies.recordStudy.bind(studies);
    const spies = [
      jest.spyOn(history, 'record').mockImplementationOnce(async (r) => (await drop(), record(r))),
      jest.spyOn(studies, 'recordStudy').mockImplementationOnce(async (r) => (await drop(), recordStudy(r))),
    ];
    return () => spies.forEach((s) => s.mockRestore());
  }

  const image = async (user: TestSession, key?: string) => {
    const r = request(h.server).post('/api/v1/analyses').set(user.bearer);
    if (key) r.set('Idempotency-Key', key);
    return r.attach('image', await solidPng(128, 128, 255), 'x.png');
  };
  const study = (user: TestSession, key?: string) => {
    let r = request(h.server).post('/api/v1/studies').set(user.bearer);
    if (key) r = r.set('Idempotency-Key', key);
    SERIES.forEach((b, i) => (r = r.attach('files', b, `s${i}.dcm`)));
    return r;
  };

  it.each([
    ['an image', (u: TestSession) => image(u)],
    ['an image with an Idempotency-Key', (u: TestSession) => image(u, 'k-1')],
    ['a study', (u: TestSession) => study(u)],
    ['a study with an Idempotency-Key', (u: TestSession) => study(u, 'k-2')],
  ])('%s: 401 UNAUTHORIZED saying the account is gone, no Retry-After, nothing recorded', async (_name, send) => {
    const user = await loginAs(h.app);
    const rows = await prisma().analysis.count();
    const restore = deleteBeforeRecording(user);
    try {
      const res = await send(user);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ statusCode: 401, code: 'UNAUTHORIZED', message: 'Your account no longer exists: nothing was recorded.' });
      expect(res.headers['retry-after']).toBeUndefined();
    } finally {
      restore();
    }
    expect(await prisma().analysis.count()).toBe(rows);
  });

  it('a history row that cannot be written for another reason stays a 503', async () => {
    const user = await loginAs(h.app);
    await prisma().$executeRawUnsafe('PRAGMA query_only = ON');
    try {
      const res = await image(user);
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('DATABASE_UNAVAILABLE');
    } finally {
      await prisma().$executeRawUnsafe('PRAGMA query_only = OFF');
    }
  });

  /** Deletes the user's row right after the next UserRepository read of it (findById or findByEmail) answers. */
  function deleteAfterRead(user: TestSession, read: 'findById' | 'findByEmail') {
    const users = h.get(UserRepository);
    const original = users[read].bind(users);
    const spy = jest.spyOn(users, read).mockImplementationOnce(async (key: string) => {
      const found = await original(key);
      await prisma().user.delete({ where: { id: user.user.id } });
      return found;
    });
    return () => spy.mockRestore();
  }

  it('a login whose account is deleted while its password is checked: 401, not a 500', async () => {
    const user = await loginAs(h.app);
    const restore = deleteAfterRead(user, 'findByEmail');
    try {
      const res = await request(h.server).post('/api/v1/auth/token').send({ email: user.user.email, password: user.password });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('UNAUTHORIZED');
    } finally {
      restore();
    }
  });

  it("an admin's change or new password for an account deleted meanwhile: 404 NOT_FOUND, not a 500", async () => {
    const admin = await loginAs(h.app, { role: 'admin' });
    const patched = await loginAs(h.app);
    let restore = deleteAfterRead(patched, 'findById');
    try {
      const res = await request(h.server).patch(`/api/v1/users/${patched.user.id}`).set(admin.bearer).send({ role: 'admin' });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: 'No such user.' });
    } finally {
      restore();
    }
    const reset = await loginAs(h.app);
    restore = deleteAfterRead(reset, 'findById');
    try {
      const res = await request(h.server).post(`/admin/users/${reset.user.id}/password`).set({ ...admin.headers, Accept: 'text/html' }).type('form').send({ _csrf: admin.csrfToken, confirmed: 'yes' });
      expect(res.status).toBe(404);
      expect(res.text).toContain('No such user.');
    } finally {
      restore();
    }
  });
});
