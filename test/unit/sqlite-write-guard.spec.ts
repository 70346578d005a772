import * as path from 'node:path';
import { DatabaseFileMovedError } from '../../src/common/errors';
import { PrismaClient } from '../../src/generated/prisma/client';
import { MIGRATIONS_DIR } from '../../src/prisma/database';
import { applyMigrations } from '../../src/prisma/migrator';
import { isWriteStatement, LockWaitingSqliteAdapter } from '../../src/prisma/sqlite-busy';
import { tempDir } from '../support/app';

/**
 * The adapter's write guard (PrismaService hands in movedAway(): the SQLite file removed or replaced
 * under the process). Every write statement — whichever repository issues it, in a transaction or
 * not — asks it first, and a refusal reaches the caller as the guard's own error (the exception
 * filter's 503); no read asks it (a stat per read is what it must not cost).
 */
describe('LockWaitingSqliteAdapter write guard', () => {
  let db: PrismaClient;
  let asked = 0;
  let refuse = false;
  const row = (email: string) => ({ data: { email, passwordHash: 'x' } });

  beforeEach(() => {
    const file = path.join(tempDir(), 'guard.db');
    applyMigrations(file, MIGRATIONS_DIR);
    asked = 0;
    refuse = false;
    db = new PrismaClient({
      adapter: new LockWaitingSqliteAdapter(file, 1_000, () => {
        asked++;
        if (refuse) throw new DatabaseFileMovedError('moved (test)');
      }),
    });
  });
  afterEach(async () => db.$disconnect());

  it('reads never ask; each kind of write does', async () => {
    await db.user.create(row('a@example.test'));
    asked = 0;
    await db.user.findMany();
    await db.user.count();
    await db.user.findUnique({ where: { email: 'a@example.test' }, select: { id: true, sessions: { select: { id: true } } } });
    await db.$queryRawUnsafe('PRAGMA user_version');
    await db.$transaction(async (tx) => tx.user.count());
    expect(asked).toBe(0);

    const writes: [string, () => Promise<unknown>][] = [
      ['create', () => db.user.create(row('b@example.test'))],
      ['update', () => db.user.update({ where: { email: 'b@example.test' }, data: { role: 'admin' } })],
      ['updateMany', () => db.user.updateMany({ where: { role: 'admin' }, data: { disabled: true } })],
      ['upsert', () => db.user.upsert({ where: { email: 'c@example.test' }, create: row('c@example.test').data, update: {} })],
      ['deleteMany', () => db.user.deleteMany({ where: { email: 'c@example.test' } })],
      ['raw PRAGMA set', () => db.$executeRawUnsafe('PRAGMA user_version = 0')],
      ['in a transaction', () => db.$transaction(async (tx) => tx.user.create(row('d@example.test')))],
    ];
    for (const [what, write] of writes) {
      const before = asked;
      await write();
      expect({ what, asked: asked > before }).toEqual({ what, asked: true });
    }
  });

  it('a refused write rejects with the guard error itself and writes nothing, a transaction rolled back whole; writes go on once it allows them', async () => {
    refuse = true;
    const created = db.user.create(row('e@example.test'));
    await expect(created).rejects.toBeInstanceOf(DatabaseFileMovedError);
    await expect(db.$executeRawUnsafe('PRAGMA user_version = 0')).rejects.toBeInstanceOf(DatabaseFileMovedError);

    refuse = false;
    const tx = db.$transaction(async (t) => {
      await t.user.create(row('f@example.test'));
      refuse = true; // the file moved between two statements of one transaction
      await t.user.create(row('g@example.test'));
    });
    await expect(tx).rejects.toBeInstanceOf(DatabaseFileMovedError);
    expect(await db.user.count()).toBe(0);

    refuse = false;
    await db.user.create(row('h@example.test'));
    expect((await db.user.findMany()).map((u) => u.email)).toEqual(['h@example.test']);
  });
});

describe('isWriteStatement', () => {
  it.each([
    ['INSERT INTO `main`.`User` (`id`) VALUES (?) RETURNING `id`', true],
    ['  update `main`.`Session` SET `expiresAt` = ?', true],
    ['DELETE FROM `main`.`Session` WHERE `tokenHash` = ?', true],
    ['REPLACE INTO t VALUES (1)', true],
    ['PRAGMA user_version = 3', true],
    ['PRAGMA main.query_only=ON', true],
    ['SELECT `id` FROM `main`.`User` WHERE `email` = ?', false],
    ['PRAGMA user_version', false],
    ['BEGIN IMMEDIATE', false],
    ['COMMIT', false],
    ['ROLLBACK', false],
  ])('%s → %s', (sql, write) => {
    expect(isWriteStatement(sql)).toBe(write);
  });
});
