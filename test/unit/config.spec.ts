import { ConfigValidationError, parseEnv } from '../../src/config/config.schema';
import { AppConfig } from '../../src/config/config.service';
import { DEFAULT_HEADER_IDLE_MS } from '../../src/studies/header-pool';

describe('config', () => {
  it('applies the documented defaults', () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBe('file:./data/sentinel.db');
    expect(env.MODELS_DIR).toBe('./models');
    expect(env.SAMPLES_DIR).toBe('../shared/samples');
    expect(env.ANALYSIS_TIMEOUT_MS).toBe(10000);
    expect(env.MAX_UPLOAD_BYTES).toBe(5 * 1024 * 1024);
    expect(env.CONFIDENCE_THRESHOLD).toBeUndefined();
    expect(env.DB_MIGRATE_ON_START).toBe(true);
  });

  it("every default the README's configuration tables give", () => {
    // README "Configuration", "Accounts … rate limits" and "Studies" tables, in their order
    expect(parseEnv({})).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      DATABASE_URL: 'file:./data/sentinel.db',
      DB_MIGRATE_ON_START: true,
      DB_LOCK_WAIT_MS: 5000,
      DB_CONNECT_TIMEOUT_MS: 5000,
      DB_STARTUP_WAIT_MS: 30000,
      DB_QUERY_TIMEOUT_MS: 15000,
      MODELS_DIR: './models',
      SAMPLES_DIR: '../shared/samples',
      ANALYSIS_TIMEOUT_MS: 10000,
      MAX_UPLOAD_BYTES: 5242880,
      MAX_INPUT_PIXELS: 40000000,
      MIN_IMAGE_SIDE: 64,
      INFERENCE_POOL_SIZE: 8,
      INFERENCE_INTRA_OP_THREADS: 1,
      INFERENCE_WORKERS: 2,
      INFERENCE_JOB_TIMEOUT_MS: 30000,
      INFERENCE_QUEUE_LIMIT: 64,
      INFERENCE_PIXEL_BUDGET: 48000000,
      INFERENCE_PIXEL_QUEUE: 8,
      LOG_LEVEL: 'log',
      ACCESS_LOG: false,
      RATE_LIMIT_REQUESTS_PER_MINUTE: 1000,
      RATE_LIMIT_ANALYSES_PER_MINUTE: 20,
      RATE_LIMIT_LOGIN_PER_IP: 30,
      RATE_LIMIT_LOGIN_PER_ACCOUNT: 5,
      RATE_LIMIT_LOGIN_WINDOW_SECONDS: 900,
      RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: 20,
      RATE_LIMIT_LOGIN_FAILURES_WINDOW_SECONDS: 3600,
      SESSION_TTL_HOURS: 12,
      API_TOKEN_TTL_HOURS: 24,
      COOKIE_SECURE: 'auto',
      STUDY_MAX_BYTES: 104857600,
      STUDY_MAX_INFLIGHT_BYTES: 419430400,
      STUDY_MAX_SLICE_PIXELS: 4194304,
      STUDY_MAX_SLICES: 400,
      STUDY_MIN_USABLE_SLICES: 3,
      STUDY_AGREEMENT: 0.6,
      STUDY_TIMEOUT_MS: 60000,
      IDEMPOTENCY_KEY_TTL_HOURS: 24,
    });
    const unset = parseEnv({});
    for (const k of ['REDIS_URL', 'PUBLIC_BASE_URL', 'CONFIDENCE_THRESHOLD', 'SESSION_SECRET', 'TRUST_PROXY', 'SEED_ADMIN_EMAIL', 'SEED_ADMIN_PASSWORD'] as const) {
      expect([k, unset[k]]).toEqual([k, undefined]);
    }
    // CONFIDENCE_THRESHOLD: strictly between 0 and 1 (0 would answer every image, 1 none)
    for (const bad of ['0', '1']) expect(() => parseEnv({ CONFIDENCE_THRESHOLD: bad })).toThrow(ConfigValidationError);
  });

  it('coerces and validates values', () => {
    const env = parseEnv({ PORT: '8080', CONFIDENCE_THRESHOLD: '0.7', DB_MIGRATE_ON_START: 'false' });
    expect(env.PORT).toBe(8080);
    expect(env.CONFIDENCE_THRESHOLD).toBe(0.7);
    expect(env.DB_MIGRATE_ON_START).toBe(false);
  });

  it('ACCESS_LOG: off unless switched on, and a value it does not take stops the start', () => {
    expect(new AppConfig(parseEnv({})).accessLog).toBe(false);
    expect(new AppConfig(parseEnv({ ACCESS_LOG: 'true' })).accessLog).toBe(true);
    expect(new AppConfig(parseEnv({ ACCESS_LOG: '0' })).accessLog).toBe(false);
    expect(() => parseEnv({ ACCESS_LOG: 'yes' })).toThrow(/ACCESS_LOG/);
  });

  it('IDEMPOTENCY_KEY_TTL_HOURS: hours (fractions too) up to 30 days; anything else stops the start, named', () => {
    expect(new AppConfig(parseEnv({})).idempotencyKeyTtlMs).toBe(24 * 3_600_000);
    expect(new AppConfig(parseEnv({ IDEMPOTENCY_KEY_TTL_HOURS: '0.5' })).idempotencyKeyTtlMs).toBe(1_800_000);
    for (const bad of ['0', '-1', '721', 'a day']) expect(() => parseEnv({ IDEMPOTENCY_KEY_TTL_HOURS: bad })).toThrow(/IDEMPOTENCY_KEY_TTL_HOURS/);
  });

  it("HEADER_WORKER_IDLE_MS: whole milliseconds, 0 to 10 minutes, the header pool's own default unless set; anything else stops the start, named", () => {
    expect(new AppConfig(parseEnv({})).headerWorkerIdleMs).toBe(DEFAULT_HEADER_IDLE_MS);
    expect(new AppConfig(parseEnv({ HEADER_WORKER_IDLE_MS: '0' })).headerWorkerIdleMs).toBe(0);
    expect(new AppConfig(parseEnv({ HEADER_WORKER_IDLE_MS: '600000' })).headerWorkerIdleMs).toBe(600_000);
    for (const bad of ['-1', '600001', '1.5', 'a minute']) expect(() => parseEnv({ HEADER_WORKER_IDLE_MS: bad })).toThrow(/HEADER_WORKER_IDLE_MS/);
  });

  // the pre-stop delay only helps where something polls /readyz: behind a proxy 5 s by default, and
  // none for a process on its own, whose Ctrl-C it would only hold up
  it('SHUTDOWN_DELAY_MS: 5000 behind a proxy (TRUST_PROXY), 0 without one, or what is set (0 – 60000); anything else stops the start', () => {
    const delay = (env: Record<string, string>) => new AppConfig(parseEnv(env)).shutdownDelayMs;
    expect(delay({})).toBe(0);
    expect(delay({ TRUST_PROXY: 'false' })).toBe(0);
    expect(delay({ TRUST_PROXY: '0' })).toBe(0);
    expect(delay({ TRUST_PROXY: '1' })).toBe(5000);
    expect(delay({ TRUST_PROXY: 'true' })).toBe(5000);
    expect(delay({ TRUST_PROXY: '1', SHUTDOWN_DELAY_MS: '0' })).toBe(0);
    expect(delay({ SHUTDOWN_DELAY_MS: '15000' })).toBe(15000);
    for (const bad of ['-1', '60001', '1.5', 'soon']) expect(() => parseEnv({ SHUTDOWN_DELAY_MS: bad })).toThrow(/SHUTDOWN_DELAY_MS/);
  });

  it('treats empty strings as unset', () => {
    expect(parseEnv({ PORT: '' }).PORT).toBe(3000);
  });

  it('rejects bad values with every problem listed', () => {
    expect(() => parseEnv({ PORT: 'abc', CONFIDENCE_THRESHOLD: '2', DATABASE_URL: 'postgres://x' })).toThrow(
      ConfigValidationError,
    );
    try {
      parseEnv({ PORT: 'abc', CONFIDENCE_THRESHOLD: '2' });
    } catch (err) {
      expect((err as ConfigValidationError).issues.length).toBe(2);
    }
  });

  it('resolves the SQLite file from DATABASE_URL', () => {
    const c = new AppConfig(parseEnv({ DATABASE_URL: 'file:/tmp/x/y.db' }));
    expect(c.databaseFile).toBe('/tmp/x/y.db');
  });

  // it passed the schema's 10 characters, and the start died in the seed with a stack trace, the database already migrated
  it('a SEED_ADMIN_PASSWORD the password policy refuses is a configuration error, named', () => {
    for (const [password, why] of [
      ['aaaaaaaaaa', 'The password is too easy to guess (too few different characters).'],
      ['password123', 'The password is one of the most common passwords; choose another.'],
      ['first.admin2024', 'The password must not be the email address or its name part.'],
    ]) {
      expect(() => parseEnv({ SEED_ADMIN_EMAIL: 'first.admin@example.org', SEED_ADMIN_PASSWORD: password })).toThrow(new ConfigValidationError([`SEED_ADMIN_PASSWORD: ${why}`]));
    }
    expect(parseEnv({ SEED_ADMIN_EMAIL: 'first.admin@example.org', SEED_ADMIN_PASSWORD: 'a long passphrase' }).SEED_ADMIN_PASSWORD).toBe('a long passphrase');
  });

  // compose.yaml passes SEED_ADMIN_EMAIL=${SEED_ADMIN_EMAIL:-admin@localhost}: the schema's own email
  // rule refused the app's default admin, and every replica stopped at start-up, restarted, forever
  it('SEED_ADMIN_EMAIL takes what an account takes: the default admin@localhost, not markup or spaces', () => {
    expect(parseEnv({ SEED_ADMIN_EMAIL: 'admin@localhost' }).SEED_ADMIN_EMAIL).toBe('admin@localhost');
    expect(parseEnv({ SEED_ADMIN_EMAIL: 'first.admin@example.org' }).SEED_ADMIN_EMAIL).toBe('first.admin@example.org');
    for (const bad of ['admin', 'a b@example.org', '<a>@example.org', 'admin@'])
      expect(() => parseEnv({ SEED_ADMIN_EMAIL: bad })).toThrow(new ConfigValidationError(['SEED_ADMIN_EMAIL: Invalid email address']));
  });
});
