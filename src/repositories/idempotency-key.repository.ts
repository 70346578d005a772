import { Injectable } from '@nestjs/common';
import { DbTx, PrismaService } from '../prisma/prisma.service';

/** A reservation as the idempotency service reads it. */
export interface KeyReservation {
  id: string;
  fingerprint: string;
  createdAt: Date;
  completedAt: Date | null;
  analysisId: string | null;
  expiresAt: Date;
}

const RESERVATION = { id: true, fingerprint: true, createdAt: true, completedAt: true, analysisId: true, expiresAt: true } as const;

/**
 * The IdempotencyKey table (src/idempotency). Its unique (userId, key) is what decides which of two
 * requests with one key runs — on SQLite and PostgreSQL alike, whichever replica each reached.
 */
@Injectable()
export class IdempotencyKeyRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The new reservation's id, or null when (userId, key) is already held (the unique index refused it). */
  async reserve(data: { userId: string; key: string; fingerprint: string; expiresAt: Date }): Promise<string | null> {
    try {
      return (await this.prisma.idempotencyKey.create({ data, select: { id: true } })).id;
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }

  find(userId: string, key: string): Promise<KeyReservation | null> {
    return this.prisma.idempotencyKey.findUnique({ where: { userId_key: { userId, key } }, select: RESERVATION });
  }

  /** Marks the reservation answered by `analysisId` — within `tx` when given (the row's own insert). */
  async complete(id: string, analysisId: string | null, at: Date, tx?: DbTx): Promise<void> {
    await (tx ?? this.prisma).idempotencyKey.updateMany({ where: { id, completedAt: null }, data: { completedAt: at, analysisId } });
  }

  /**
   * Gives a key back (its first request failed), also when its refused file's row marked it
   * answered on the way: the reservation is that request's own (ids are never reused).
   */
  async release(id: string): Promise<void> {
    await this.prisma.idempotencyKey.deleteMany({ where: { id } });
  }

  /**
   * Removes this reservation if it is still what the caller saw (expired by `now`, or in progress
   * since before `startedBefore`); whichever request's delete matches, the next reserve races anew.
   */
  async removeStale(id: string, now: Date, startedBefore: Date): Promise<void> {
    await this.prisma.idempotencyKey.deleteMany({
      where: { id, OR: [{ expiresAt: { lte: now } }, { completedAt: null, createdAt: { lt: startedBefore } }] },
    });
  }

  /** Up to `limit` expired reservations removed (the oldest first, by the expiresAt index); how many. */
  async purgeExpired(now: Date, limit: number): Promise<number> {
    const rows = await this.prisma.idempotencyKey.findMany({ where: { expiresAt: { lte: now } }, select: { id: true }, orderBy: { expiresAt: 'asc' }, take: limit });
    if (!rows.length) return 0;
    return (await this.prisma.idempotencyKey.deleteMany({ where: { id: { in: rows.map((r) => r.id) }, expiresAt: { lte: now } } })).count;
  }
}

/** Prisma's P2002: a unique constraint refused the row (both engines' drivers map to it). */
function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
}
