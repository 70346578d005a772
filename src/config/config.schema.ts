import { z } from 'zod';
import { decimalFromEnv, wholeFromEnv } from './env-numbers';
import { accountsEnvShape, passwordCostIssues, seedAdminIssues } from './accounts.env';
import { postgresSchema, postgresUrlProblem, SCHEMA_NAME } from './database-url';

/** Parses "true"/"false"/"1"/"0" — z.coerce.boolean() would treat "false" as true. */
const boolFromEnv = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1'));

/**
 * The whole environment contract of the service. Parsed once at boot; nothing else reads
 * process.env, so every knob is listed (and documented in the README) here.
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: wholeFromEnv(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /**
   * On a stop signal: how long /readyz answers 503 while the server still accepts and serves,
   * before it stops listening and drains (common/close-on-signal.ts). Closing the listener resets
   * the connections still waiting to be accepted (ECONNRESET: a client cannot tell whether its POST
   * was processed); a load balancer polling /readyz stops sending within its checks' interval ×
   * fall. Unset: 5000 behind a proxy (TRUST_PROXY), 0 without one (AppConfig.shutdownDelayMs).
   */
  SHUTDOWN_DELAY_MS: wholeFromEnv(0, 60_000).optional(),
  /** file:… → SQLite (embedded default); postgres://… or postgresql://… → PostgreSQL (src/prisma/database.ts). */
  DATABASE_URL: z
    .string()
    .regex(
      /^(file:.+|postgres(ql)?:\/\/.+)$/,
      'DATABASE_URL must be a SQLite file: URL (file:./data/sentinel.db) or a postgresql:// URL',
    )
    .superRefine((url, ctx) => {
      if (url.startsWith('file:')) return;
      const problem = postgresUrlProblem(url);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
      const schema = postgresSchema(url);
      if (!SCHEMA_NAME.test(schema)) {
        ctx.addIssue({ code: 'custom', message: 'the schema= parameter must be a plain PostgreSQL identifier (letters, digits, _; at most 63)' });
      }
    })
    .default('file:./data/sentinel.db'),
  /** Shared rate-limit counters for several instances (redis://…, rediss://…); unset → this process's memory. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+$/, 'REDIS_URL must be a redis:// or rediss:// URL')
    .optional(),
  DB_MIGRATE_ON_START: boolFromEnv(true),
  /**
   * SQLite: how long a statement waits, off the main thread, for a write lock another process
   * holds (a sqlite3 session, a backup) before it fails as 503 DATABASE_UNAVAILABLE.
   */
  DB_LOCK_WAIT_MS: wholeFromEnv(0, 60_000).default(5_000),
  /**
   * PostgreSQL: how long a request waits for a connection (a pool slot, or a new connection to a
   * server that accepted it but does not answer) before it fails as 503 DATABASE_UNAVAILABLE.
   * node-postgres waits forever by default: with the server frozen every request hung.
   */
  DB_CONNECT_TIMEOUT_MS: wholeFromEnv(100, 600_000).default(5_000),
  /**
   * PostgreSQL, start-up only: how long a server that is not up yet (connection refused, its host
   * name not resolving yet, "the database system is starting up", no answer) is waited for, with
   * backoff, before the start fails. Compose, Kubernetes and systemd may start the app before the
   * server; a refused password or a missing database still fails at once. 0: one try.
   */
  DB_STARTUP_WAIT_MS: wholeFromEnv(0, 600_000).default(30_000),
  /**
   * PostgreSQL: how long one query of a request may run — `statement_timeout`, so a live server
   * cancels it (a lock held for ever, a runaway plan); and one second later the app closes the
   * connection itself (a frozen or unreachable server, which cannot cancel). Either way 503
   * DATABASE_UNAVAILABLE with Retry-After; before, a request already on a connection when the
   * server froze never answered. The slowest query measured is 89 ms (the admin history page on
   * a large PostgreSQL history); migrations and scripts/sqlite-to-postgres.mjs are not bounded.
   */
  DB_QUERY_TIMEOUT_MS: wholeFromEnv(100, 600_000).default(15_000),
  /** where users reach the service (https://sentinel.example.org): absolute links in PDF reports; unset → the request's host */
  PUBLIC_BASE_URL: z
    .string()
    .regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'PUBLIC_BASE_URL must be an http(s) URL without query or fragment')
    .optional(),
  MODELS_DIR: z.string().min(1).default('./models'),
  SAMPLES_DIR: z.string().min(1).default('../shared/samples'),
  /**
   * Overrides every card's thresholds.confidence when set; otherwise each card's (triage 0.80, brain_tumor 0.60). A plain
   * decimal strictly between 0 and 1: 0 turned every refusal for low confidence off without a word
   * (as did "1e-400"), 1 refused all but a float-saturated softmax, and Number() also read "0x1"
   * and "0b1" as 1.
   */
  CONFIDENCE_THRESHOLD: z
    .string()
    .trim()
    .regex(/^(0?\.\d+|[01])$/, 'CONFIDENCE_THRESHOLD must be a decimal number such as 0.7')
    .transform(Number)
    .pipe(z.number().gt(0, 'CONFIDENCE_THRESHOLD must be above 0 (0 would answer every image)').lt(1, 'CONFIDENCE_THRESHOLD must be below 1 (1 would refuse every image)'))
    .optional(),
  ANALYSIS_TIMEOUT_MS: wholeFromEnv(1).default(10_000),
  MAX_UPLOAD_BYTES: wholeFromEnv(1).default(5 * 1024 * 1024),
  MAX_INPUT_PIXELS: wholeFromEnv(1).default(40_000_000),
  MIN_IMAGE_SIDE: wholeFromEnv(1).default(64),
  /**
   * Model runs in flight at once (with workers: handed to them, so each has the next image
   * queued when it finishes one); others wait, bounded by ANALYSIS_TIMEOUT_MS. 8 measured best
   * at 16 clients on 2 cores (README, Performance).
   */
  INFERENCE_POOL_SIZE: wholeFromEnv(1, 64).default(8),
  INFERENCE_INTRA_OP_THREADS: wholeFromEnv(1, 64).default(1),
  /**
   * Worker threads running the models (0: on the main thread). onnxruntime-node's run() is
   * synchronous, so on the main thread inference blocks the event loop and uses one core.
   * With 2 or more, each model opens in one worker only (placement.ts).
   */
  INFERENCE_WORKERS: wholeFromEnv(0, 16).default(2),
  /**
   * How long one job in a worker thread (a model run, a heat map, a decode) may take before the
   * worker is taken to be wedged: the job fails with 504 ANALYSIS_TIMEOUT, the worker is ended and
   * a fresh one replaces it, so a hang gives its model slot and memory back instead of holding
   * them for ever. Measured from when the job is handed to the worker (its queue there included).
   * A worker opening its models is never ended for it (that aborts the process): a request
   * waiting for that only gives up (inference-workers.ts, opened()).
   */
  INFERENCE_JOB_TIMEOUT_MS: wholeFromEnv(100, 600_000).default(30_000),
  /** Requests waiting for a model slot beyond this are refused with 503 at once. */
  INFERENCE_QUEUE_LIMIT: wholeFromEnv(0).default(64),
  /**
   * Pixels of large images (over 1 megapixel) being decoded at once; more wait in a queue of
   * INFERENCE_PIXEL_QUEUE, beyond it 503. A 40-megapixel decode holds ~0.5 GB until it is reduced
   * to its letterboxes (~1 MB), so the default admits one such decode (plus smaller ones) at a time.
   */
  INFERENCE_PIXEL_BUDGET: wholeFromEnv(1).default(48_000_000),
  INFERENCE_PIXEL_QUEUE: wholeFromEnv(0).default(8),
  /** Studies (DICOM series / NIfTI volumes): total bytes per study, decompressed, checked while streaming. */
  STUDY_MAX_BYTES: wholeFromEnv(1).default(100 * 1024 * 1024),
  STUDY_MAX_SLICES: wholeFromEnv(1).default(400),
  /** Study upload bytes held by all requests at once (each also under STUDY_MAX_BYTES); beyond it 503. */
  STUDY_MAX_INFLIGHT_BYTES: wholeFromEnv(1).default(400 * 1024 * 1024),
  /**
   * Pixels of one study slice, checked on the header before anything is decoded (MR matrices are
   * at most 1024 × 1024; 2048 × 2048 leaves room): a slice's decode, windowing and thumbnail run on
   * the main thread, so this bounds how long one slice can hold the event loop.
   */
  STUDY_MAX_SLICE_PIXELS: wholeFromEnv(1).default(2048 * 2048),
  /** A study answer needs at least this many usable slices (and ≥ 25 % of them); fewer ⇒ inconclusive. */
  STUDY_MIN_USABLE_SLICES: wholeFromEnv(1).default(3),
  /** Share of usable slices that must agree (body part, finding type); less ⇒ inconclusive. */
  STUDY_AGREEMENT: decimalFromEnv(0.5, 1).default(0.6),
  STUDY_TIMEOUT_MS: wholeFromEnv(1).default(60_000),
  /**
   * Studies worked on at once; later ones wait their turn (FIFO, within STUDY_TIMEOUT_MS). Each runs
   * up to INFERENCE_POOL_SIZE slices at a time, so ten studies at once put 80 runs on the model queue:
   * past INFERENCE_QUEUE_LIMIT one of them failed with 503 halfway (bench:study, 10 clients).
   */
  STUDY_CONCURRENCY: wholeFromEnv(1, 64).default(4),
  /** Studies waiting for a turn; the next one is refused at once with 503 (its upload already held in memory). */
  STUDY_QUEUE_LIMIT: wholeFromEnv(0, 10_000).default(64),
  /**
   * How long the DICOM header worker (src/studies/header-pool.ts: headers of more than 4,096
   * entries) is kept warm after its last header before it is ended. A fresh worker per burst cost
   * ~0.2 s a burst and made such a study slower than on the main thread; a warm one holds ~70–80 MB of RSS.
   * 0: ended as soon as it is idle.
   */
  HEADER_WORKER_IDLE_MS: wholeFromEnv(0, 600_000).default(30_000),
  /**
   * How long an Idempotency-Key of POST /api/v1/analyses or /studies is remembered (src/idempotency):
   * a retry within it gets the first answer's record; after it the key is a new one. Hours, as the
   * session lifetimes are (fractions allowed), up to 30 days.
   */
  IDEMPOTENCY_KEY_TTL_HOURS: decimalFromEnv(0.01, 24 * 30).default(24),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  /**
   * One JSON line per request (method, path without query, status, duration, bytes, user id),
   * through the audit log's sink (src/audit/access-log.ts). Off: a reverse proxy usually keeps one.
   */
  ACCESS_LOG: boolFromEnv(false),
  /** accounts, sessions, CSRF, rate limits: see accounts.env.ts */
  ...accountsEnvShape,
});

export type Env = z.infer<typeof envSchema>;

export class ConfigValidationError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings mean "unset" so that `FOO= npm start` falls back to the default.
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) {
    if (v !== undefined && v !== '') cleaned[k] = v;
  }
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigValidationError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const crossField = [...seedAdminIssues(parsed.data), ...passwordCostIssues(parsed.data)];
  if (crossField.length) throw new ConfigValidationError(crossField);
  return parsed.data;
}
