/**
 * The CSV export gives the event loop a turn between batches. The database answers synchronously
 * (better-sqlite3) and a client that keeps up takes every write at once, so without it the whole
 * export ran as one chain of promise callbacks: at 200,000 rows no other request, /healthz
 * included, was answered for the 125 s it took (docs/performance.md, "History at scale").
 */
import type { AuthUser } from '../../src/accounts/roles';
import { ExportAccessEndedError } from '../../src/history/export-access';
import { HistoryService } from '../../src/history/history.service';
import type { AnalysisRepository } from '../../src/repositories/analysis.repository';
import type { UserRepository } from '../../src/repositories/user.repository';

describe('CSV export between batches', () => {
  it('lets timers and I/O run before it reads the next batch', async () => {
    let reads = 0;
    // batches that resolve as promises only, as the synchronous driver's do
    const analyses = {
      async *batches() {
        for (; reads < 3; ) {
          reads++;
          yield [];
        }
      },
    } as unknown as AnalysisRepository;
    const service = new HistoryService(analyses, {} as UserRepository);
    const admin = { id: 'a', role: 'admin' } as AuthUser;

    let other = false;
    setImmediate(() => (other = true)); // another request's callback, queued as the export starts
    const chunks = service.exportCsv(admin, {});
    await chunks.next(); // header + first batch
    expect(reads).toBe(1);
    await chunks.next();
    expect(other).toBe(true); // it ran before the second batch was read and sent
    for await (const c of chunks) void c;
    expect(reads).toBe(3);
  });
});

describe('CSV export: the viewer checked between batches', () => {
  it('asks before each batch after the first and ends with ExportAccessEndedError, that batch unsent', async () => {
    const rows = (n: number) => [{ id: `row-${n}`, createdAt: new Date(0).toISOString(), byteSize: n, sha256: 'x', status: 'completed' }];
    let reads = 0;
    const analyses = {
      async *batches() {
        for (; reads < 3; ) yield rows(++reads);
      },
    } as unknown as AnalysisRepository;
    const service = new HistoryService(analyses, {} as UserRepository);
    const answers = [true, false];
    let asked = 0;
    const chunks = service.exportCsv({ id: 'a', role: 'admin' } as AuthUser, {}, async () => answers[asked++]);
    const sent: string[] = [];
    await expect(
      (async () => {
        for await (const c of chunks) sent.push(c);
      })(),
    ).rejects.toBeInstanceOf(ExportAccessEndedError);
    expect(asked).toBe(2); // not for the first batch (the guard's), then once per batch
    expect(sent.join('')).toContain('row-2');
    expect(sent.join('')).not.toContain('row-3'); // read, refused, never sent
  });
});
