import { Injectable } from '@nestjs/common';
import { DbTx, PrismaService } from '../prisma/prisma.service';

/** What a token check needs: the session's kind and expiry and its user's identity and state. */
export interface SessionLookup {
  kind: string;
  expiresAt: Date;
  user: { id: string; email: string; role: string; disabled: boolean; mustChangePassword: boolean };
}

/** The Session table (cookies and API tokens, stored as sha256 of the secret). */
@Injectable()
export class SessionRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(data: { tokenHash: string; userId: string; kind: string; expiresAt: Date }): Promise<void> {
    await this.prisma.session.create({ data, select: { id: true } });
  }

  /**
   * Only the columns the check needs: it runs on every authenticated request, and this measured at
   * half the CPU of `include: { user: true }` (no password hash or timestamps read and mapped).
   */
  findByTokenHash(tokenHash: string): Promise<SessionLookup | null> {
    return this.prisma.session.findUnique({
      where: { tokenHash },
      select: { kind: true, expiresAt: true, user: { select: { id: true, email: true, role: true, disabled: true, mustChangePassword: true } } },
    });
  }

  async deleteByTokenHash(tokenHash: string): Promise<void> {
    await this.prisma.session.deleteMany({ where: { tokenHash } });
  }

  /** `tx`: inside the transaction of the account change that ends them (UserRepository's `then`). */
  async deleteByUser(userId: string, tx?: DbTx): Promise<void> {
    await (tx ?? this.prisma.client).session.deleteMany({ where: { userId } });
  }

  async deleteExpired(now: Date): Promise<void> {
    await this.prisma.session.deleteMany({ where: { expiresAt: { lt: now } } });
  }
}
