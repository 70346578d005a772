import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { AppConfig } from '../config/config.service';
import { SessionRepository } from '../repositories/session.repository';
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
    private readonly sessions: SessionRepository,
    private readonly config: AppConfig,
  ) {}

  async create(userId: string, kind: SessionKind): Promise<{ token: string; expiresAt: Date }> {
    const ttl = kind === 'api' ? this.config.accounts.apiTokenTtlMs : this.config.accounts.sessionTtlMs;
    const token = (kind === 'api' ? 'mst_' : '') + randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + ttl);
    await this.sessions.create({ tokenHash: sha256Hex(token), userId, kind, expiresAt });
    await this.purgeExpired();
    return { token, expiresAt };
  }

  /** The active user behind a token of this kind, or null (unknown, expired, user disabled). */
  async resolve(token: string | undefined, kind: SessionKind): Promise<AuthUser | null> {
    if (!token || token.length > 200) return null;
    const s = await this.sessions.findByTokenHash(sha256Hex(token));
    if (!s || s.kind !== kind || s.expiresAt.getTime() <= Date.now()) return null;
    if (s.user.disabled || !isRole(s.user.role)) return null;
    return { id: s.user.id, email: s.user.email, role: s.user.role, mustChangePassword: s.user.mustChangePassword };
  }

  async revoke(token: string | undefined): Promise<void> {
    if (!token) return;
    await this.sessions.deleteByTokenHash(sha256Hex(token));
  }

  /** At most once a minute, drop expired rows (cheap, indexed). */
  private async purgeExpired(): Promise<void> {
    if (Date.now() - this.lastPurge < 60_000) return;
    this.lastPurge = Date.now();
    await this.sessions.deleteExpired(new Date());
  }
}
