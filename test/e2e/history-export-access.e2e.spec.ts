/**
 * An admin's access ending while their CSV export of everyone's history streams: demoted,
 * disabled, deleted, or the token or session revoked. The guard let them in once, at the start, and
 * the rows kept coming to the end (≈ 5 s at 200,000 rows). The export now resolves the request's
 * credential again between batches and cuts the transfer as a database error mid-stream does (the
 * client sees an incomplete transfer, never a file that looks whole), with an access.denied line.
 *
 * The change is made inside the export, deterministically: when the export reads its second batch.
 */
import request from 'supertest';
import { useApp } from '../support/use-app';
import { SessionsService } from '../../src/accounts/sessions.service';
import { EXPORT_BATCH } from '../../src/history/history.service';
import { PrismaService } from '../../src/prisma/prisma.service';
import { loginAs, TestSession } from '../helpers/auth';
import { auditedApp, CapturingAuditSink } from '../helpers/capturing-audit-sink';

const ROWS = 2 * EXPORT_BATCH + 17;

describe('CSV export: the admin\'s access ending mid-stream', () => {
  const sink = new CapturingAuditSink();
  const h = useApp({ ...auditedApp(sink, { INFERENCE_WORKERS: '0' }), sessions: { owner: {} } });
  const { owner } = h.sessions;
  let prisma: PrismaService;

  beforeAll(async () => {
    prisma = h.get(PrismaService);
    const t0 = Date.UTC(2026, 0, 1);
    await prisma.analysis.createMany({
      data: Array.from({ length: ROWS }, (_, i) => ({
        userId: owner.user.id,
        createdAt: new Date(t0 + i * 1000),
        byteSize: i,
        sha256: i.toString(16).padStart(64, '0'),
        status: 'completed',
        stage: 'diagnosis',
        anatomy: 'brain',
        label: 'glioma',
      })),
    });
  });
  beforeEach(() => sink.clear());

  /** The export's outcome when `change` runs as it reads its second batch (the first is sent by then). */
  async function exportWhile(admin: TestSession, via: 'bearer' | 'cookie', change: () => Promise<unknown>): Promise<string> {
    const real = prisma.analysis.findMany.bind(prisma.analysis);
    let calls = 0;
    const findMany = jest.spyOn(prisma.analysis, 'findMany').mockImplementation((async (args: Parameters<typeof real>[0]) => {
      calls += 1;
      if (calls === 2) await change();
      return real(args);
    }) as unknown as typeof real);
    try {
      const req = via === 'bearer' ? request(h.app.getHttpServer()).get('/api/v1/history/export.csv').set(admin.bearer) : request(h.app.getHttpServer()).get('/history/export.csv').set(admin.headers);
      return await req.then(
        (res) => `complete ${res.status} ${res.text.split('\r\n').length - 2} rows`,
        (err: Error) => `cut: ${err.message}`,
      );
    } finally {
      findMany.mockRestore();
    }
  }

  const cuts: [string, 'bearer' | 'cookie', (a: TestSession) => Promise<unknown>][] = [
    ['an admin demoted to user', 'bearer', (a) => prisma.user.update({ where: { id: a.user.id }, data: { role: 'user' } })],
    ['an admin disabled', 'cookie', (a) => prisma.user.update({ where: { id: a.user.id }, data: { disabled: true } })],
    ['an admin deleted (its sessions go with it)', 'bearer', (a) => prisma.user.delete({ where: { id: a.user.id } })],
    ['an admin whose API token is revoked', 'bearer', (a) => h.app.get(SessionsService).revoke(a.token)],
    ['an admin whose browser session ends (logged out elsewhere)', 'cookie', (a) => prisma.session.deleteMany({ where: { userId: a.user.id, kind: 'web' } })],
  ];

  it.each(cuts)('%s mid-export gets a cut transfer and an access.denied line', async (_what, via, change) => {
    const admin = await loginAs(h.app, { role: 'admin' });
    const outcome = await exportWhile(admin, via, () => change(admin));
    expect(outcome).toMatch(/^cut: /);
    expect(sink.events('access.denied')).toEqual([expect.objectContaining({ reason: 'access_ended', userId: admin.user.id, username: admin.user.email })]);
  });

  it('a change to someone else (another admin demoted) leaves the export whole, with no line', async () => {
    const admin = await loginAs(h.app, { role: 'admin' });
    const other = await loginAs(h.app, { role: 'admin' });
    const outcome = await exportWhile(admin, 'bearer', () => prisma.user.update({ where: { id: other.user.id }, data: { role: 'user' } }));
    expect(outcome).toBe(`complete 200 ${ROWS} rows`);
    expect(sink.events('access.denied')).toEqual([]);
  });
});
