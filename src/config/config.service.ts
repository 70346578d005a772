import { Injectable } from '@nestjs/common';
import * as path from 'node:path';
import { AccountsConfig, toAccountsConfig } from './accounts.env';
import { Env, parseEnv } from './config.schema';

/** SHUTDOWN_DELAY_MS's default when TRUST_PROXY says a proxy is in front. */
export const DEFAULT_SHUTDOWN_DELAY_BEHIND_PROXY_MS = 5_000;

/** Typed, read-only view of the validated environment. */
@Injectable()
export class AppConfig {
  private readonly env: Env;

  constructor(env: Env) {
    this.env = Object.freeze({ ...env });
  }

  static fromProcess(overrides: Record<string, string | undefined> = {}): AppConfig {
    return new AppConfig(parseEnv({ ...process.env, ...overrides }));
  }

  get nodeEnv(): Env['NODE_ENV'] {
    return this.env.NODE_ENV;
  }
  get port(): number {
    return this.env.PORT;
  }
  get host(): string {
    return this.env.HOST;
  }
  /**
   * SHUTDOWN_DELAY_MS, or when unset 5 s behind a proxy — one that polls /readyz takes a replica
   * out within its checks' interval × fall (deploy/haproxy*.cfg: 1 s × 2, 2 s × 2) — and 0 without
   * one: then nothing reads /readyz, so a delay would only hold up every stop (Ctrl-C included)
   * without sparing a connection.
   */
  get shutdownDelayMs(): number {
    return this.env.SHUTDOWN_DELAY_MS ?? (this.accounts.trustProxy ? DEFAULT_SHUTDOWN_DELAY_BEHIND_PROXY_MS : 0);
  }
  get databaseUrl(): string {
    return this.env.DATABASE_URL;
  }
  /** Which engine DATABASE_URL names: a SQLite file or a PostgreSQL server. */
  get databaseKind(): 'sqlite' | 'postgresql' {
    return this.env.DATABASE_URL.startsWith('file:') ? 'sqlite' : 'postgresql';
  }
  /** PostgreSQL: the longest wait for a connection (pool slot or connect) before a 503. */
  get databaseConnectTimeoutMs(): number {
    return this.env.DB_CONNECT_TIMEOUT_MS;
  }
  /** PostgreSQL, start-up only: how long a server that is still coming up is waited for. */
  get databaseStartupWaitMs(): number {
    return this.env.DB_STARTUP_WAIT_MS;
  }
  /** PostgreSQL: statement_timeout, and (plus 1 s) how long a query may hold its connection (pg-pool.ts). */
  get databaseQueryTimeoutMs(): number {
    return this.env.DB_QUERY_TIMEOUT_MS;
  }
  /** Shared rate-limit store, or undefined for this process's memory. */
  get redisUrl(): string | undefined {
    return this.env.REDIS_URL;
  }
  /** Absolute path of the SQLite file named by DATABASE_URL (relative to the working dir; SQLite only). */
  get databaseFile(): string {
    return path.resolve(this.env.DATABASE_URL.replace(/^file:/, ''));
  }
  /** SQLite: the longest wait for another process's write lock (src/prisma/sqlite-busy.ts). */
  get databaseLockWaitMs(): number {
    return this.env.DB_LOCK_WAIT_MS;
  }
  get migrateOnStart(): boolean {
    return this.env.DB_MIGRATE_ON_START;
  }
  /** PUBLIC_BASE_URL without a trailing slash, or undefined */
  get publicBaseUrl(): string | undefined {
    return this.env.PUBLIC_BASE_URL?.replace(/\/+$/, '');
  }
  get modelsDir(): string {
    return path.resolve(this.env.MODELS_DIR);
  }
  get samplesDir(): string {
    return path.resolve(this.env.SAMPLES_DIR);
  }
  get confidenceThresholdOverride(): number | undefined {
    return this.env.CONFIDENCE_THRESHOLD;
  }
  get analysisTimeoutMs(): number {
    return this.env.ANALYSIS_TIMEOUT_MS;
  }
  get idempotencyKeyTtlMs(): number {
    return Math.round(this.env.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000);
  }
  get maxUploadBytes(): number {
    return this.env.MAX_UPLOAD_BYTES;
  }
  get maxInputPixels(): number {
    return this.env.MAX_INPUT_PIXELS;
  }
  get minImageSide(): number {
    return this.env.MIN_IMAGE_SIDE;
  }
  get inferencePoolSize(): number {
    return this.env.INFERENCE_POOL_SIZE;
  }
  get intraOpThreads(): number {
    return this.env.INFERENCE_INTRA_OP_THREADS;
  }
  get inferenceWorkers(): number {
    return this.env.INFERENCE_WORKERS;
  }
  get inferenceJobTimeoutMs(): number {
    return this.env.INFERENCE_JOB_TIMEOUT_MS;
  }
  get inferenceQueueLimit(): number {
    return this.env.INFERENCE_QUEUE_LIMIT;
  }
  get pixelBudget(): number {
    return this.env.INFERENCE_PIXEL_BUDGET;
  }
  get pixelQueueLimit(): number {
    return this.env.INFERENCE_PIXEL_QUEUE;
  }
  get studyMaxBytes(): number {
    return this.env.STUDY_MAX_BYTES;
  }
  get studyMaxSlices(): number {
    return this.env.STUDY_MAX_SLICES;
  }
  get studyMaxInFlightBytes(): number {
    return this.env.STUDY_MAX_INFLIGHT_BYTES;
  }
  /** per study slice: the smaller of STUDY_MAX_SLICE_PIXELS and the single-image limit */
  get studyMaxSlicePixels(): number {
    return Math.min(this.env.STUDY_MAX_SLICE_PIXELS, this.maxInputPixels);
  }
  get studyMinUsableSlices(): number {
    return this.env.STUDY_MIN_USABLE_SLICES;
  }
  get studyAgreement(): number {
    return this.env.STUDY_AGREEMENT;
  }
  get studyTimeoutMs(): number {
    return this.env.STUDY_TIMEOUT_MS;
  }
  get studyConcurrency(): number {
    return this.env.STUDY_CONCURRENCY;
  }
  get studyQueueLimit(): number {
    return this.env.STUDY_QUEUE_LIMIT;
  }
  /** HEADER_WORKER_IDLE_MS: how long an idle header worker is kept warm (header-pool.ts) */
  get headerWorkerIdleMs(): number {
    return this.env.HEADER_WORKER_IDLE_MS;
  }
  get logLevel(): Env['LOG_LEVEL'] {
    return this.env.LOG_LEVEL;
  }
  /** ACCESS_LOG: one audit-log line per request */
  get accessLog(): boolean {
    return this.env.ACCESS_LOG;
  }
  /** Accounts, sessions, CSRF and rate limits (issue 4). */
  get accounts(): AccountsConfig {
    return toAccountsConfig(this.env);
  }
}
