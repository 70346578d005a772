import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';

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
   * was not (changed meanwhile, or no such user).
   */
  async replacePasswordHash(id: string, expectedHash: string, data: { passwordHash: string; mustChangePassword: boolean }): Promise<boolean> {
    const { count } = await this.prisma.user.updateMany({ where: { id, passwordHash: expectedHash }, data });
    return count === 1;
  }

  /**
   * null when no user has this id: removing an account is deleting its row (README "Users and
   * roles"), which can land between a caller's read and this write — Prisma's P2025 was a 500.
   */
  async update(id: string, data: { role?: string; disabled?: boolean; passwordHash?: string; mustChangePassword?: boolean; lastLoginAt?: Date }): Promise<StoredUser | null> {
    try {
      return await this.prisma.user.update({ where: { id }, data });
    } catch (err) {
      if (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2025') return null;
      throw err;
    }
  }
}
