/**
 * How long the form's re-post guard holds. The form's `_csrf` token is bound to the login session,
 * so a re-post (reload, Forward) is accepted only while that login lasts (SESSION_TTL_HOURS, from
 * login, not extended by use); its `_submission` key must be remembered at least that long, else a
 * reload late in a long login is analysed and recorded again. The hours are played by moving the
 * rows' times back, not by waiting.
 */
import * as http from 'node:http';
import request from 'supertest';
import { requestFingerprint } from '../../src/idempotency/idempotency-key';
import { PrismaService } from '../../src/prisma/prisma.service';
import { IdempotencyKeyRepository } from '../../src/repositories/idempotency-key.repository';
import { loginAs, TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { solidPng } from '../support/images';

const HOUR = 3_600_000;

describe('POST /analyse: a re-post of the form within its login, after IDEMPOTENCY_KEY_TTL_HOURS', () => {
  // a login of two days, keys of one
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, SESSION_TTL_HOURS: '48', IDEMPOTENCY_KEY_TTL_HOURS: '24' } });
  let alice: TestSession;
  const prisma = () => h.get(PrismaService);

  beforeAll(async () => {
    await new Promise<void>((resolve) => h.server.listen(0, '127.0.0.1', resolve));
    alice = await loginAs(h.app);
  });

  /** Everything stored with a time (the login, the key) `hours` older: as if they had passed. */
  async function pass(hours: number): Promise<void> {
    const back = (d: Date) => new Date(d.getTime() - hours * HOUR);
    for (const s of await prisma().session.findMany({ where: { userId: alice.user.id } })) await prisma().session.update({ where: { id: s.id }, data: { expiresAt: back(s.expiresAt) } });
    for (const k of await prisma().idempotencyKey.findMany({ where: { userId: alice.user.id } }))
      await prisma().idempotencyKey.update({ where: { id: k.id }, data: { createdAt: back(k.createdAt), expiresAt: back(k.expiresAt), completedAt: k.completedAt && back(k.completedAt) } });
  }

  it('30 hours on, still logged in: the reload is answered from the first record, not recorded again', async () => {
    const page = await request(h.server).get('/').set('Cookie', alice.cookie).set('Accept', 'text/html').expect(200);
    const nonce = /name="_submission" value="([^"]+)"/.exec(page.text)![1];
    const image = await solidPng(300, 300, 255);
    const send = () => request(h.server).post('/analyse').set('Cookie', alice.cookie).set('Accept', 'text/html').field('_csrf', alice.csrfToken).field('_submission', nonce).attach('image', image, 'scan.png').expect(200);
    const first = await send();
    expect(first.text).toContain('Saved in your history as');
    await pass(30);
    const again = await send();
    expect(again.text).toContain('This form was already sent');
    expect(await prisma().analysis.count({ where: { userId: alice.user.id } })).toBe(1);
  });

  it('sent again while the first post is still being answered (Analyse pressed twice, a reload before the answer): 409 page in the form\'s words, not the API header\'s', async () => {
    const page = await request(h.server).get('/').set('Cookie', alice.cookie).set('Accept', 'text/html').expect(200);
    const nonce = /name="_submission" value="([^"]+)"/.exec(page.text)![1];
    const image = await solidPng(300, 300, 240);
    // the first post's reservation, still unanswered (as the form keys it: its field and the request's fingerprint)
    const fingerprint = requestFingerprint('POST /analyse', { explain: false }, [image]);
    await h.get(IdempotencyKeyRepository).reserve({ userId: alice.user.id, key: `analyse-form ${nonce} ${fingerprint}`, fingerprint, expiresAt: new Date(Date.now() + HOUR) });
    const before = await prisma().analysis.count();
    const res = await request(h.server).post('/analyse').set('Cookie', alice.cookie).set('Accept', 'text/html').field('_csrf', alice.csrfToken).field('_submission', nonce).attach('image', image, 'scan.png');
    expect(res.status).toBe(409);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.text).not.toContain('Idempotency-Key');
    expect(res.text).toContain(`This form is already being analysed (it was sent twice): wait ${res.headers['retry-after']} s, then reload this page to see its answer.`);
    expect(await prisma().analysis.count()).toBe(before);
  });

  it('past the login: the re-post is refused (401), nothing analysed', async () => {
    const before = await prisma().analysis.count();
    await pass(48);
    const res = await request(h.server).post('/analyse').set('Cookie', alice.cookie).set('Accept', 'text/html').field('_csrf', alice.csrfToken).attach('image', await solidPng(300, 300, 255), 'scan.png');
    expect(res.status).toBe(401);
    expect(await prisma().analysis.count()).toBe(before);
  });
});
