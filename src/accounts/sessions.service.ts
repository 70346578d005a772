import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { AppConfig } from '../config/config.service';
import { PrismaService } from '../prisma/prisma.service';
import { AuthUser, isRole } from './roles';

export type SessionKind = 'web' | 'api';

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/**
 * Sessions (cookie) and API tokens (bearer) live in the database, hashed: any instance can
 * check any of them, a restart logs nobody out, and logout/disable revoke them at once.
 */
@Injectable()
export class SessionsService {
  private lastPurge = 0;

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
  ) {}

  async create(userId: string, kind: SessionKind): Promise<{ token: string; expiresAt: Date }> {
    const ttl = kind === 'api' ? this.config.accounts.apiTokenTtlMs : this.config.accounts.sessionTtlMs;
    const token = (kind === 'api' ? 'mst_' : '') + randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + ttl);
    await this.prisma.session.create({ data: { tokenHash: sha256Hex(token), userId, kind, expiresAt } });
    await this.purgeExpired();
    return { token, expiresAt };
  }

  /** The active user behind a token of this kind, or null (unknown, expired, user disabled). */
  async resolve(token: string | undefined, kind: SessionKind): Promise<AuthUser | null> {
    if (!token || token.length > 200) return null;
    // Only the columns the check needs: on every authenticated request, and measured at half the
    // CPU of `include: { user: true }` (no password hash or timestamps read and mapped).
    const s = await this.prisma.session.findUnique({
      where: { tokenHash: sha256Hex(token) },
      select: { kind: true, expiresAt: true, user: { select: { id: true, email: true, role: true, disabled: true } } },
    });
    if (!s || s.kind !== kind || s.expiresAt.getTime() <= Date.now()) return null;
    if (s.user.disabled || !isRole(s.user.role)) return null;
    return { id: s.user.id, email: s.user.email, role: s.user.role };
  }

  async revoke(token: string | undefined): Promise<void> {
    if (!token) return;
    await this.prisma.session.deleteMany({ where: { tokenHash: sha256Hex(token) } });
  }

  /** At most once a minute, drop expired rows (cheap, indexed). */
  private async purgeExpired(): Promise<void> {
    if (Date.now() - this.lastPurge < 60_000) return;
    this.lastPurge = Date.now();
    await this.prisma.session.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  }
}
