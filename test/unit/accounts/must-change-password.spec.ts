/**
 * "Must change password" in UsersService (in-memory repositories) and in the user:create CLI
 * (a real SQLite file): set whenever someone other than the user sets the password, cleared only
 * by the user's own change, which must really change it.
 */
import { Logger } from '@nestjs/common';
import * as path from 'node:path';
import { PasswordHasher, TEST_COST, verifyPassword } from '../../../src/accounts/password';
import { UsersService } from '../../../src/accounts/users.service';
import { main as userCreate } from '../../../src/cli/user-create';
import { AppConfig } from '../../../src/config/config.service';
import { PrismaService } from '../../../src/prisma/prisma.service';
import { RateLimitStore } from '../../../src/rate-limit/rate-limit.storage';
import type { SessionRepository } from '../../../src/repositories/session.repository';
import type { StoredUser, UserRepository } from '../../../src/repositories/user.repository';
import { tempDir } from '../../support/app';

class FakeUsers {
  readonly rows = new Map<string, StoredUser>();
  async findById(id: string): Promise<StoredUser | null> {
    return this.rows.get(id) ?? null;
  }
  async findByEmail(email: string): Promise<StoredUser | null> {
    return [...this.rows.values()].find((u) => u.email === email) ?? null;
  }
  async create(data: { email: string; role: string; passwordHash: string; mustChangePassword: boolean }): Promise<StoredUser> {
    const u: StoredUser = { id: `u${this.rows.size + 1}`, disabled: false, createdAt: new Date(), lastLoginAt: null, ...data };
    this.rows.set(u.id, u);
    return u;
  }
  // `then`: what the real repository runs in the same transaction (ending the sessions); no transaction here
  async replacePasswordHash(id: string, expectedHash: string, data: { passwordHash: string; mustChangePassword: boolean }, then?: (tx: unknown) => Promise<void>): Promise<boolean> {
    if (this.rows.get(id)?.passwordHash !== expectedHash) return false;
    await this.update(id, data, then);
    return true;
  }
  async update(id: string, data: Partial<StoredUser>, then?: (tx: unknown) => Promise<void>): Promise<StoredUser> {
    const u = { ...this.rows.get(id)!, ...data };
    this.rows.set(id, u);
    await then?.({});
    return u;
  }
}

class FakeSessions {
  readonly ended: string[] = [];
  async deleteByUser(id: string): Promise<void> {
    this.ended.push(id);
  }
}

function service(): { users: UsersService; rows: FakeUsers; sessions: FakeSessions } {
  const rows = new FakeUsers();
  const sessions = new FakeSessions();
  const users = new UsersService(rows as unknown as UserRepository, sessions as unknown as SessionRepository, new RateLimitStore(), new PasswordHasher(TEST_COST));
  return { users, rows, sessions };
}

describe('UsersService: mustChangePassword', () => {
  it('create stores what the caller says; the view and a login carry it', async () => {
    const { users } = service();
    expect((await users.create({ email: 'a@example.test', password: 'admin-set-pw-1', mustChangePassword: true })).mustChangePassword).toBe(true);
    expect((await users.create({ email: 'b@example.test', password: 'own-chosen-pw-1', mustChangePassword: false })).mustChangePassword).toBe(false);
    expect(await users.verifyCredentials('a@example.test', 'admin-set-pw-1')).toMatchObject({ email: 'a@example.test', mustChangePassword: true });
  });

  it("an admin's new password sets it; the user's own change clears it, ends every session, and must change the password", async () => {
    const { users, rows, sessions } = service();
    const u = await users.create({ email: 'c@example.test', password: 'own-chosen-pw-2', mustChangePassword: false });
    await users.setPassword(u.id, 'admin-reset-pw-3', { mustChangePassword: true });
    expect(rows.rows.get(u.id)!.mustChangePassword).toBe(true);
    expect(sessions.ended).toEqual([u.id]);

    await expect(users.changeOwnPassword(u.id, 'wrong-current-pw', 'brand-new-pw-4')).rejects.toThrow(/current password is not correct/);
    await expect(users.changeOwnPassword(u.id, 'admin-reset-pw-3', 'admin-reset-pw-3')).rejects.toThrow(/must differ/);
    // full-width letters: hashed as NFKC, the very same password (before: accepted as a change)
    await expect(users.changeOwnPassword(u.id, 'admin-reset-pw-3', 'ａｄｍｉｎ-reset-pw-3')).rejects.toThrow(/must differ/);
    await expect(users.changeOwnPassword(u.id, 'admin-reset-pw-3', 'c@example.test')).rejects.toThrow(/email/); // the policy still applies
    expect(rows.rows.get(u.id)!.mustChangePassword).toBe(true);

    await users.changeOwnPassword(u.id, 'admin-reset-pw-3', 'brand-new-pw-4');
    expect(rows.rows.get(u.id)!.mustChangePassword).toBe(false);
    expect(await verifyPassword('brand-new-pw-4', rows.rows.get(u.id)!.passwordHash)).toBe(true);
    expect(sessions.ended).toEqual([u.id, u.id]);
  });
});

describe('npm run user:create', () => {
  it('the operator knows the password it prints: the user must change it', async () => {
    Logger.overrideLogger(['error']); // the CLI's "Applied migrations" line (this file's module registry only)
    const file = path.join(tempDir(), 'cli.db');
    const env = { DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: process.env.LOG_LEVEL };
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    process.env.DATABASE_URL = `file:${file}`;
    process.env.LOG_LEVEL = 'error';
    try {
      expect(await userCreate(['--email', 'cli.user@example.test', '--role', 'user'])).toBe(0);
      expect(log.mock.calls.flat().join('\n')).toMatch(/Password \(shown once\): \S+/);
    } finally {
      log.mockRestore();
      for (const [k, v] of Object.entries(env)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const prisma = new PrismaService(AppConfig.fromProcess({ NODE_ENV: 'test', DATABASE_URL: `file:${file}`, LOG_LEVEL: 'error' }));
    await prisma.onModuleInit();
    try {
      expect(await prisma.user.findUnique({ where: { email: 'cli.user@example.test' }, select: { mustChangePassword: true } })).toEqual({ mustChangePassword: true });
    } finally {
      await prisma.$disconnect();
    }
  });
});
