import { Injectable } from '@nestjs/common';
import { DbTx, PrismaService } from '../prisma/prisma.service';

/** A User row as the accounts feature needs it (the hash never leaves UsersService). */
export interface StoredUser {
  id: string;
  email: string;
  passwordHash: string;
  role: string;
  disabled: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
  /** the password was set by someone else; cleared when the user sets their own */
  mustChangePassword: boolean;
}

/** The User table. Ending a user's sessions is SessionRepository's (its table). */
@Injectable()
export class UserRepository {
  constructor(private readonly prisma: PrismaService) {}

  count(): Promise<number> {
    return this.prisma.user.count();
  }

  countActiveAdmins(): Promise<number> {
    return this.prisma.user.count({ where: { role: 'admin', disabled: false } });
  }

  findById(id: string): Promise<StoredUser | null> {
    return this.prisma.user.findUnique({ where: { id } });
  }

  findByEmail(email: string): Promise<StoredUser | null> {
    return this.prisma.user.findUnique({ where: { email } });
  }

  list(): Promise<StoredUser[]> {
    return this.prisma.user.findMany({ orderBy: { createdAt: 'asc' } });
  }

  create(data: { email: string; role: string; passwordHash: string; mustChangePassword: boolean }): Promise<StoredUser> {
    return this.prisma.user.create({ data });
  }

  /**
   * Sets a new password hash only while the stored one is still `expectedHash` (one conditional
   * write, so two changes checked against the same old password cannot both land); false when it
   * was not (changed meanwhile, or no such user). `then` (ending the account's sessions, through
   * the client it is handed) is one transaction with it, run only when the hash was replaced.
   */
  async replacePasswordHash(
    id: string,
    expectedHash: string,
    data: { passwordHash: string; mustChangePassword: boolean },
    then?: (tx: DbTx) => Promise<void>,
  ): Promise<boolean> {
    if (!then) return (await this.prisma.user.updateMany({ where: { id, passwordHash: expectedHash }, data })).count === 1;
    return this.prisma.transaction(async (tx) => {
      const { count } = await tx.user.updateMany({ where: { id, passwordHash: expectedHash }, data });
      if (count === 1) await then(tx);
      return count === 1;
    });
  }

  /**
   * null when no user has this id: removing an account is deleting its row (README "Users and
   * roles"), which can land between a caller's read and this write — Prisma's P2025 was a 500.
   * With `then`, the change and what `then` writes are one transaction: a password set or an
   * account disabled stays only if its sessions ended too (a refused second write left the first:
   * a changed password with every old session alive).
   */
  async update(
    id: string,
    data: { role?: string; disabled?: boolean; passwordHash?: string; mustChangePassword?: boolean; lastLoginAt?: Date },
    then?: (tx: DbTx) => Promise<void>,
  ): Promise<StoredUser | null> {
    try {
      if (!then) return await this.prisma.user.update({ where: { id }, data });
      return await this.prisma.transaction(async (tx) => {
        const u = await tx.user.update({ where: { id }, data });
        await then(tx);
        return u;
      });
    } catch (err) {
      if (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2025') return null;
      throw err;
    }
  }
}
