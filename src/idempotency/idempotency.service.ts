import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { requestContext } from '../classifier/request-context';
import { driverCode, FileCheckError } from '../common/errors';
import { AppConfig } from '../config/config.service';
import { recordingWith, withoutRecording } from '../history/recording-context';
import type { DbTx } from '../prisma/prisma.service';
import { IdempotencyKeyRepository } from '../repositories/idempotency-key.repository';
import { IdempotencyKeyInUseError, IdempotencyKeyReusedError, idempotencyKey, REPLAYED_HEADER, requestFingerprint } from './idempotency-key';

/** What makes a request "the same" (requestFingerprint) and how long its route may take. */
export interface KeyedRoute {
  /** "POST /api/v1/…" */
  route: string;
  /** the parameters that change the answer */
  params: Record<string, string | number | boolean>;
  files: Uint8Array[];
  /** the route's own deadline: a busy key's Retry-After is a fifth of it */
  timeoutMs: number;
}

/**
 * A route's own key made from the request's fingerprint (requestFingerprint: route, parameters, the
 * files' sha256). The form without JavaScript keys a re-post by its page's field and what it sends,
 * so another file sent from the same page is another key (a new analysis), not 422 — and its image
 * is hashed once, for both the key and the claim (4.1 ms per 5 MB on the request thread).
 * Such a key is re-sent by the browser (reload, Forward) for as long as the login its CSRF token is
 * bound to lasts (SESSION_TTL_HOURS from login): it is remembered that long where that is longer
 * than IDEMPOTENCY_KEY_TTL_HOURS, so a reload late in a long login is not recorded a second time.
 */
export type KeyOfRequest = (fingerprint: string) => string;

/** Expired reservations removed per keyed request: the purge never holds a request for long. */
const PURGE_LIMIT = 100;

type Claim = { kind: 'first'; id: string } | { kind: 'replay'; analysisId: string | null };

/**
 * Idempotency-Key for the analysis POSTs (draft-ietf-httpapi-idempotency-key-header, as Stripe's
 * API behaves), and for the form without JavaScript (POST /analyse), whose key is its page's
 * one-time `_submission` field: Back or reload re-sending it is a replay, not a second record. The database is the store every replica shares: the first request with a key
 * reserves (userId, key) and the unique index refuses every other — so a race is decided there,
 * not in process memory. Neither the images nor the answer are stored, so a repeat of a finished
 * request re-runs the deterministic analysis with recording switched off and answers with the
 * first request's history record (analysisId) and `Idempotent-Replayed: true` — a refused file
 * (a 4xx whose rejected row was recorded) as well: the same 4xx again, marked replayed.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);

  constructor(
    private readonly keys: IdempotencyKeyRepository,
    private readonly config: AppConfig,
  ) {}

  /**
   * `run` answered once per key: without the header (or a user) exactly as before; otherwise
   * reserved, replayed, or refused (400 bad key, 409 in progress, 422 another request's key).
   * `key`: the header's, unless the route has its own (the form without JavaScript: a field of its page,
   * with the request's fingerprint).
   */
  async answer<T extends { analysisId?: string | null }>(req: Request, res: Response, route: KeyedRoute, run: () => Promise<T>, key: string | KeyOfRequest | undefined = idempotencyKey(req)): Promise<T> {
    const userId = requestContext(req).userId;
    if (key === undefined || !userId) return run();
    const fingerprint = requestFingerprint(route.route, route.params, route.files);
    const now = new Date();
    await this.purge(now);
    const ownKey = typeof key === 'function';
    const ttlMs = ownKey ? Math.max(this.config.idempotencyKeyTtlMs, this.config.accounts.sessionTtlMs) : this.config.idempotencyKeyTtlMs;
    const claim = await this.claim(userId, ownKey ? key(fingerprint) : key, fingerprint, ttlMs, route, now);
    if (claim.kind === 'replay') {
      let result: T;
      try {
        result = await withoutRecording(run);
      } catch (err) {
        // the first answer was this file's refusal (its rejected row is the key's): the same 4xx again,
        // marked as the repeat it is. Any other failure (503, 504) is this attempt's own, not a replay.
        if (err instanceof FileCheckError) res.setHeader(REPLAYED_HEADER, 'true');
        throw err;
      }
      res.setHeader(REPLAYED_HEADER, 'true');
      return { ...result, analysisId: claim.analysisId };
    }
    // the key is marked answered in its history row's own transaction: answered iff the row exists
    let marked = false;
    const markAnswered = async (analysisId: string, tx: DbTx) => {
      await this.keys.complete(claim.id, analysisId, new Date(), tx);
      marked = true;
    };
    let result: T;
    try {
      result = await recordingWith(markAnswered, run);
    } catch (err) {
      // a refused file's rejected row was recorded, and the key marked answered with it: the refusal
      // is the answer, replayed to a retry. Released, each retry wrote another rejected row.
      if (marked) throw err;
      // nothing answered (a 503, a 504, a row that could not be written): the key is free for the retry
      await this.keys.release(claim.id).catch((e: unknown) => this.logger.error(`Could not release an idempotency key: ${driverCode(e)}`));
      throw err;
    }
    if (marked) return result;
    try {
      // an answer that recorded no row (no recorder): nothing to keep in step with
      await this.keys.complete(claim.id, result.analysisId ?? null, new Date());
    } catch (err) {
      // no row stands for it: a retry is told 409 until the reservation is stale, then analysed anew
      this.logger.error(`Could not mark an idempotency key answered: ${driverCode(err)}`);
    }
    return result;
  }

  /**
   * A reservation in progress for longer than any request can take (the longest deadline, a
   * database lock wait for its history row and one for the key, and 30 s) was left by a replica
   * that stopped mid-request: it is taken over rather than answering 409 until it expires.
   */
  private get staleAfterMs(): number {
    return Math.max(this.config.analysisTimeoutMs, this.config.studyTimeoutMs) + 2 * this.config.databaseLockWaitMs + 30_000;
  }

  private async claim(userId: string, key: string, fingerprint: string, ttlMs: number, route: KeyedRoute, now: Date): Promise<Claim> {
    const expiresAt = new Date(now.getTime() + ttlMs);
    const staleBefore = new Date(now.getTime() - this.staleAfterMs);
    const busy = () => new IdempotencyKeyInUseError(Math.min(30, Math.max(1, Math.ceil(route.timeoutMs / 5000))));
    // a reservation can be released, expire or go stale between our insert and our read: try again
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = await this.keys.reserve({ userId, key, fingerprint, expiresAt });
      if (id) return { kind: 'first', id };
      const held = await this.keys.find(userId, key);
      if (!held) continue;
      if (held.expiresAt <= now || (!held.completedAt && held.createdAt < staleBefore)) {
        await this.keys.removeStale(held.id, now, staleBefore);
        continue;
      }
      if (held.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
      if (held.completedAt) return { kind: 'replay', analysisId: held.analysisId };
      throw busy();
    }
    throw busy();
  }

  private async purge(now: Date): Promise<void> {
    try {
      await this.keys.purgeExpired(now, PURGE_LIMIT);
    } catch (err) {
      // housekeeping only: the request goes on (an expired key is also replaced where it is met)
      this.logger.warn(`Could not purge expired idempotency keys: ${driverCode(err)}`);
    }
  }
}
