/**
 * Idempotency-Key on POST /api/v1/analyses and /studies (src/idempotency, README "Retries"): a
 * script that retries after a timeout gets the first answer's history record, not a second row.
 * The real app on the fake models and its SQLite file; the reservation table is the shared store
 * (its unique (userId, key) decides races between replicas), so rows are seeded into it directly
 * to stand for another replica's request in progress or an old key.
 */
import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { requestFingerprint } from '../../src/idempotency/idempotency-key';
import { IdempotencyKeyRepository } from '../../src/repositories/idempotency-key.repository';
import { TestSession } from '../helpers/auth';
import { FAKE_MODELS_DIR } from '../support/app';
import { useApp } from '../support/use-app';
import { solidPng, TEXT_AS_JPG, truncatedJpeg } from '../support/images';
import { SERIES } from '../support/study-e2e';
import { dicomSeries, newUid, zip } from '../support/study-fixtures';

const KEY = 'Idempotency-Key';
const HOUR = 3_600_000;

describe('Idempotency-Key on the analysis POSTs', () => {
  const h = useApp({ env: { MODELS_DIR: FAKE_MODELS_DIR, INFERENCE_WORKERS: '0', RATE_LIMIT_ANALYSES_PER_MINUTE: '200', IDEMPOTENCY_KEY_TTL_HOURS: '2' }, sessions: { alice: {}, bob: {} } });
  const { alice, bob } = h.sessions;
  const prisma = () => h.get(PrismaService);
  let white: Buffer;
  let grey: Buffer;

  beforeAll(async () => {
    white = await solidPng(300, 300, 255);
    grey = await solidPng(128, 128, 128);
  });

  let n = 0;
  /** a key no other test uses */
  const freshKey = () => `key-${++n}-${Date.now()}`;
  const analyse = (who: TestSession, bytes: Buffer, key?: string) => {
    const r = request(h.server).post('/api/v1/analyses').set(who.bearer);
    return (key === undefined ? r : r.set(KEY, key)).attach('image', bytes, 'x.png');
  };
  const rows = (who: TestSession) => prisma().analysis.count({ where: { userId: who.user.id } });
  const decision = (b: Record<string, unknown>) => ({ status: b.status, code: b.code, anatomy: b.anatomy, label: b.label, confidence: b.confidence, probabilities: b.probabilities, explanation: b.explanation });

  it('no key: unchanged — each POST is its own record, nothing reserved, no replay header', async () => {
    const before = await rows(alice);
    const a = await analyse(alice, grey).expect(200);
    const b = await analyse(alice, grey).expect(200);
    expect(a.body.analysisId).not.toBe(b.body.analysisId);
    expect([a.headers['idempotent-replayed'], b.headers['idempotent-replayed']]).toEqual([undefined, undefined]);
    expect(await rows(alice)).toBe(before + 2);
    expect(await prisma().idempotencyKey.count({ where: { userId: alice.user.id } })).toBe(0);
  });

  it('a retry after the answer: the same analysisId and decision, replayed, and one history row', async () => {
    const key = freshKey();
    const before = await rows(alice);
    const first = await analyse(alice, white, key).expect(200);
    expect(first.body).toMatchObject({ status: 'completed', analysisId: expect.any(String) });
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await analyse(alice, white, key).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.analysisId).toBe(first.body.analysisId);
    expect(decision(again.body)).toEqual(decision(first.body));
    const third = await analyse(alice, white, key).expect(200);
    expect(third.body.analysisId).toBe(first.body.analysisId);
    expect(await rows(alice)).toBe(before + 1);
    // the record names what the key is for: no image, no answer stored
    const stored = await prisma().idempotencyKey.findUniqueOrThrow({ where: { userId_key: { userId: alice.user.id, key } } });
    expect(stored).toMatchObject({ analysisId: first.body.analysisId, completedAt: expect.any(Date), fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // IDEMPOTENCY_KEY_TTL_HOURS=2 in this app
    expect(stored.expiresAt.getTime() - stored.createdAt.getTime()).toBeGreaterThanOrEqual(2 * HOUR - 1000);
    expect(stored.expiresAt.getTime() - stored.createdAt.getTime()).toBeLessThanOrEqual(2 * HOUR + 1000);
  });

  it('the same key with another file, or another explain: 422 IDEMPOTENCY_KEY_REUSED, nothing recorded', async () => {
    const key = freshKey();
    await analyse(alice, white, key).expect(200);
    const before = await rows(alice);
    const other = await analyse(alice, grey, key).expect(422);
    expect(other.body).toMatchObject({ statusCode: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    const explain = await request(h.server).post('/api/v1/analyses').set(alice.bearer).set(KEY, key).field('explain', 'false').attach('image', white, 'x.png').expect(422);
    expect(explain.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await rows(alice)).toBe(before);
  });

  it('two requests with one key at once: exactly one history row; the other is 409 with Retry-After, or the replay', async () => {
    const key = freshKey();
    const before = await rows(alice);
    const answers = await Promise.all([0, 1, 2].map(() => analyse(alice, white, key)));
    expect(await rows(alice)).toBe(before + 1);
    const ok = answers.filter((r) => r.status === 200);
    const busy = answers.filter((r) => r.status !== 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(ok.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    expect(new Set(ok.map((r) => r.body.analysisId as string)).size).toBe(1);
    for (const r of busy) {
      expect({ status: r.status, code: r.body.code, retryAfter: Number(r.headers['retry-after']) > 0 }).toEqual({ status: 409, code: 'IDEMPOTENCY_KEY_IN_USE', retryAfter: true });
    }
  });

  it('while another replica is answering the key: 409 IDEMPOTENCY_KEY_IN_USE with Retry-After, nothing recorded; once it answers, the replay', async () => {
    const key = freshKey();
    const fingerprint = requestFingerprint('POST /api/v1/analyses', { explain: true }, [white]);
    const row = await prisma().idempotencyKey.create({ data: { userId: alice.user.id, key, fingerprint, expiresAt: new Date(Date.now() + HOUR) } });
    const before = await rows(alice);
    const res = await analyse(alice, white, key).expect(409);
    expect(res.body.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(await rows(alice)).toBe(before);
    // that replica answers (its history row and the key's completion)
    const done = await prisma().analysis.create({ data: { userId: alice.user.id, byteSize: white.length, sha256: 'a'.repeat(64), status: 'completed' } });
    await prisma().idempotencyKey.update({ where: { id: row.id }, data: { completedAt: new Date(), analysisId: done.id } });
    const replay = await analyse(alice, white, key).expect(200);
    expect({ id: replay.body.analysisId, replayed: replay.headers['idempotent-replayed'] }).toEqual({ id: done.id, replayed: 'true' });
    expect(await rows(alice)).toBe(before + 1);
  });

  it('a reservation left by a replica that stopped mid-request (older than the longest deadline) is taken over', async () => {
    const key = freshKey();
    const fingerprint = requestFingerprint('POST /api/v1/analyses', { explain: true }, [white]);
    await prisma().idempotencyKey.create({ data: { userId: alice.user.id, key, fingerprint, createdAt: new Date(Date.now() - HOUR), expiresAt: new Date(Date.now() + HOUR) } });
    const res = await analyse(alice, white, key).expect(200);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    const stored = await prisma().idempotencyKey.findUniqueOrThrow({ where: { userId_key: { userId: alice.user.id, key } } });
    expect(stored.analysisId).toBe(res.body.analysisId);
  });

  it('a key that is not 1–255 printable ASCII characters: 400 INVALID_IDEMPOTENCY_KEY, nothing analysed or recorded', async () => {
    const before = await rows(alice);
    for (const bad of ['', 'k'.repeat(256), 'clé', 'a\tb']) {
      const res = await analyse(alice, white, bad);
      expect({ bad, status: res.status, code: res.body.code }).toEqual({ bad, status: 400, code: 'INVALID_IDEMPOTENCY_KEY' });
    }
    expect(await rows(alice)).toBe(before);
    // the longest allowed, spaces and punctuation inside, and the draft's quoted form (a structured-field string)
    await analyse(alice, white, 'k'.repeat(255)).expect(200);
    const quoted = freshKey();
    const a = await analyse(alice, white, `"${quoted}"`).expect(200);
    const b = await analyse(alice, white, quoted).expect(200);
    expect({ id: b.body.analysisId, replayed: b.headers['idempotent-replayed'] }).toEqual({ id: a.body.analysisId, replayed: 'true' });
    await analyse(alice, white, 'a key with {punctuation} ~!').expect(200);
  });

  /** superagent sends an array value as one header line per member (Node's setHeader); its types say string only */
  const headerLines = (r: request.Test, values: string[]) => (r as unknown as { set(field: string, v: string[]): request.Test }).set(KEY, values);

  it('more than one Idempotency-Key line is 400 INVALID_IDEMPOTENCY_KEY (Node joined them into one key "a, b"); a comma is a key\'s only inside the quotes', async () => {
    const before = await rows(alice);
    const [a, b] = [freshKey(), freshKey()];
    for (const lines of [[a, b], [a, a], [`"${a}"`, `"${b}"`]]) {
      const res = await headerLines(request(h.server).post('/api/v1/analyses').set(alice.bearer), lines).attach('image', white, 'x.png');
      expect({ lines, status: res.status, code: res.body.code }).toEqual({ lines, status: 400, code: 'INVALID_IDEMPOTENCY_KEY' });
      expect(res.body.message).toMatch(/one Idempotency-Key header, not 2/);
    }
    // one line that reads as two keys (a proxy's join, or a structured-field list) is not a key either
    for (const joined of [`${a}, ${b}`, `"${a}", "${b}"`, 'a key, with a comma']) {
      const res = await analyse(alice, white, joined);
      expect({ joined, status: res.status, code: res.body.code }).toEqual({ joined, status: 400, code: 'INVALID_IDEMPOTENCY_KEY' });
    }
    expect(await rows(alice)).toBe(before);
    expect(await prisma().idempotencyKey.count({ where: { userId: alice.user.id, key: { in: [a, b, `${a}, ${b}`] } } })).toBe(0);
    // the draft's quoted string may hold a comma: one key, replayed by the same quoted line
    const first = await analyse(alice, white, '"a key, with a comma"').expect(200);
    const again = await analyse(alice, white, '"a key, with a comma"').expect(200);
    expect({ id: again.body.analysisId, replayed: again.headers['idempotent-replayed'] }).toEqual({ id: first.body.analysisId, replayed: 'true' });
    expect(await rows(alice)).toBe(before + 1);
  });

  /**
   * A refused file is an answer like any other: its 4xx and its `rejected` history row. The key was
   * given back after the row was written, so each retry of the same upload wrote another rejected
   * row (3 retries: 4 rows). Now the key names that row and a retry replays the refusal.
   */
  it('a refused file (4xx, its rejected row recorded) is answered once: each retry replays the same status and body, marked replayed, and writes nothing', async () => {
    const broken = await truncatedJpeg();
    for (const [bytes, status, code] of [[broken, 422, 'CORRUPT_IMAGE'], [TEXT_AS_JPG, 415, 'UNSUPPORTED_TYPE'], [Buffer.alloc(0), 400, 'EMPTY_FILE']] as const) {
      const key = freshKey();
      const before = await rows(alice);
      const first = await analyse(alice, bytes, key);
      expect({ status: first.status, code: first.body.code, replayed: first.headers['idempotent-replayed'] }).toEqual({ status, code, replayed: undefined });
      expect(await rows(alice)).toBe(before + 1);
      const row = await prisma().analysis.findFirstOrThrow({ where: { userId: alice.user.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
      expect(row).toMatchObject({ status: 'rejected', stage: 'file', code });
      const stored = await prisma().idempotencyKey.findUniqueOrThrow({ where: { userId_key: { userId: alice.user.id, key } } });
      expect(stored).toMatchObject({ analysisId: row.id, completedAt: expect.any(Date) });
      for (let retry = 0; retry < 3; retry++) {
        const again = await analyse(alice, bytes, key);
        expect({ code, status: again.status, body: again.body, replayed: again.headers['idempotent-replayed'] }).toEqual({ code, status, body: first.body, replayed: 'true' });
      }
      expect(await rows(alice)).toBe(before + 1);
      // the key is spent on that upload: another file with it is another request
      expect((await analyse(alice, white, key).expect(422)).body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await rows(alice)).toBe(before + 1);
    }
  });

  it('an expired key is a new one: the retry is analysed and recorded again; expired reservations are purged', async () => {
    const key = freshKey();
    const first = await analyse(alice, white, key).expect(200);
    await prisma().idempotencyKey.update({ where: { userId_key: { userId: alice.user.id, key } }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const before = await rows(alice);
    const again = await analyse(alice, white, key).expect(200);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(again.body.analysisId).not.toBe(first.body.analysisId);
    expect(await rows(alice)).toBe(before + 1);
    // the same key with another file after expiry is no reuse either
    await prisma().idempotencyKey.update({ where: { userId_key: { userId: alice.user.id, key } }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await analyse(alice, grey, key).expect(200);
    // other users' expired keys go with the next keyed request (bounded, so a backlog takes several)
    const old = new Date(Date.now() - HOUR);
    await prisma().idempotencyKey.createMany({ data: [1, 2, 3].map((i) => ({ userId: bob.user.id, key: `old-${i}`, fingerprint: 'f'.repeat(64), createdAt: old, expiresAt: old })) });
    await analyse(alice, grey, freshKey()).expect(200);
    expect(await prisma().idempotencyKey.count({ where: { expiresAt: { lt: new Date() } } })).toBe(0);
  });

  /**
   * The row and the key's "answered" mark are one transaction. The mark's write fails (standing for
   * a process stopped between the two): neither stays — no row, no reservation left "in progress" —
   * and the retry, even one made after a left reservation would be taken over (aged here), records
   * one row, which the key then names. Before, the answer was 200 with its row, the key stayed in
   * progress, and the retry after the takeover recorded a second row.
   */
  const faultThenRetry = async (send: (key: string) => request.Test) => {
    const key = freshKey();
    const before = await rows(alice);
    const fault = jest.spyOn(h.get(IdempotencyKeyRepository), 'complete').mockRejectedValueOnce(new Error('injected: stopped before the key was marked'));
    let first: request.Response;
    let marks: number;
    try {
      first = await send(key);
    } finally {
      marks = fault.mock.calls.length;
      fault.mockRestore();
    }
    expect(marks).toBe(1);
    expect({ status: first.status, code: first.body.code }).toEqual({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    expect(await rows(alice)).toBe(before);
    expect(await prisma().idempotencyKey.count({ where: { userId: alice.user.id, key } })).toBe(0);
    await prisma().idempotencyKey.updateMany({ where: { userId: alice.user.id, key }, data: { createdAt: new Date(Date.now() - HOUR) } });
    const retry = await send(key).expect(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    const again = await send(key).expect(200);
    expect(again.body.analysisId).toBe(retry.body.analysisId);
    expect(await rows(alice)).toBe(before + 1);
    const stored = await prisma().idempotencyKey.findUniqueOrThrow({ where: { userId_key: { userId: alice.user.id, key } } });
    expect(stored).toMatchObject({ analysisId: retry.body.analysisId, completedAt: expect.any(Date) });
  };

  it('the history row and the key marked answered are one write: a fault in the second leaves neither, and the retry records one row', async () => {
    await faultThenRetry((key) => analyse(alice, white, key));
  });

  it("another user's same key is independent", async () => {
    const key = freshKey();
    const a = await analyse(alice, white, key).expect(200);
    const b = await analyse(bob, grey, key).expect(200);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.body.analysisId).not.toBe(a.body.analysisId);
    const bAgain = await analyse(bob, grey, key).expect(200);
    expect(bAgain.body.analysisId).toBe(b.body.analysisId);
    const aAgain = await analyse(alice, white, key).expect(200);
    expect(aAgain.body.analysisId).toBe(a.body.analysisId);
  });

  describe('POST /api/v1/studies', () => {
    const series = () => zip(Object.fromEntries(dicomSeries(SERIES.slice(0, 3), { seriesUid: newUid() }).map((b, i) => [`IM${i}`, b])));
    const study = (who: TestSession, files: Buffer[], key?: string) => {
      let r = request(h.server).post('/api/v1/studies').set(who.bearer);
      if (key !== undefined) r = r.set(KEY, key);
      files.forEach((f, i) => (r = r.attach('files', f, `s${i}.zip`)));
      return r;
    };

    it('a retry after the answer: the same analysisId and study answer, one history row; another series → 422', async () => {
      const key = freshKey();
      const s = series();
      const before = await rows(alice);
      const first = await study(alice, [s], key).expect(200);
      expect(first.body).toMatchObject({ status: 'completed', analysisId: expect.any(String) });
      const again = await study(alice, [s], key).expect(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.analysisId).toBe(first.body.analysisId);
      expect(decision(again.body)).toEqual(decision(first.body));
      expect(again.body.study).toEqual(first.body.study);
      expect(await rows(alice)).toBe(before + 1);
      expect((await study(alice, [series()], key).expect(422)).body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await rows(alice)).toBe(before + 1);
    });

    it('a refused study (415, its rejected row recorded): the retry replays the refusal, one row', async () => {
      const key = freshKey();
      const before = await rows(alice);
      const first = await study(alice, [TEXT_AS_JPG], key);
      expect({ status: first.status, code: first.body.code }).toEqual({ status: 415, code: 'UNSUPPORTED_TYPE' });
      const again = await study(alice, [TEXT_AS_JPG], key);
      expect({ status: again.status, body: again.body, replayed: again.headers['idempotent-replayed'] }).toEqual({ status: 415, body: first.body, replayed: 'true' });
      expect(await rows(alice)).toBe(before + 1);
    });

    it('one key on both routes is a reuse (the route is part of the request), and a bad key is 400', async () => {
      const key = freshKey();
      await analyse(alice, white, key).expect(200);
      expect((await study(alice, [series()], key).expect(422)).body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect((await study(alice, [series()], 'k'.repeat(256)).expect(400)).body.code).toBe('INVALID_IDEMPOTENCY_KEY');
    });

    it('the study row and its key marked answered are one write too (a fault in the mark: neither; the retry: one row)', async () => {
      const s = series();
      await faultThenRetry((key) => study(alice, [s], key));
    });

    it('two at once with one key: one history row', async () => {
      const key = freshKey();
      const s = series();
      const before = await rows(alice);
      const answers = await Promise.all([0, 1].map(() => study(alice, [s], key)));
      expect(await rows(alice)).toBe(before + 1);
      expect(answers.map((r) => r.status).sort()).toEqual(expect.arrayContaining([200]));
      for (const r of answers) expect([200, 409]).toContain(r.status);
    });
  });
});
