import { z } from 'zod';
import { decimalFromEnv, wholeFromEnv } from './env-numbers';
import { isValidEmail } from '../accounts/email';
import { passwordProblem } from '../accounts/password-policy';

const boolFromEnv = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1'));

/**
 * Environment of accounts, sessions, CSRF and rate limits (issue 4). Spread into envSchema so the
 * whole environment is still validated once, at boot, in one place.
 */
export const accountsEnvShape = {
  /**
   * Signs CSRF tokens. Required (≥ 32 chars) in production and whenever several instances serve
   * the same users; otherwise a random per-process secret is used (open forms break on restart).
   */
  SESSION_SECRET: z.string().min(32, 'SESSION_SECRET must be at least 32 characters').optional(),
  SESSION_TTL_HOURS: decimalFromEnv(0.01, 24 * 90).default(12),
  API_TOKEN_TTL_HOURS: decimalFromEnv(0.01, 24 * 365).default(24),
  /** Behind a TLS-terminating proxy: trust X-Forwarded-* (client IP, https) from that many hops. */
  TRUST_PROXY: z
    .union([z.enum(['true', 'false']), wholeFromEnv(0, 10)], { error: (issue) => `must be true, false or a number of proxy hops from 0 to 10, in plain digits (got "${String(issue.input)}")` })
    .optional(),
  /** Secure cookie flag: auto = when the request arrived over TLS (directly or via a trusted proxy). */
  COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  /** The accounts' own rule (accounts/email.ts): zod's email() refused the default admin@localhost. */
  SEED_ADMIN_EMAIL: z.string().refine(isValidEmail, 'Invalid email address').optional(),
  SEED_ADMIN_PASSWORD: z.string().min(10, 'SEED_ADMIN_PASSWORD must be at least 10 characters').optional(),
  /** Analyses (and PDF re-runs) per user per minute. */
  RATE_LIMIT_ANALYSES_PER_MINUTE: wholeFromEnv(1).default(20),
  /**
   * Requests per client IP per minute, every request but the probes (request-limit.ts), static files
   * and unknown paths included. A cold page visit is 8–30 requests (HTML, CSS, scripts, thumbnails):
   * 1000 leaves a busy user ten of each main page a minute with no cache (560), a batch, and colleagues
   * sharing a NAT address, while a flood of any kind stops at ~17 a second per address.
   */
  RATE_LIMIT_REQUESTS_PER_MINUTE: wholeFromEnv(1).default(1000),
  /** Login attempts (page and token API) per client IP, and per account, per window. */
  RATE_LIMIT_LOGIN_PER_IP: wholeFromEnv(1).default(30),
  RATE_LIMIT_LOGIN_PER_ACCOUNT: wholeFromEnv(1).default(5),
  RATE_LIMIT_LOGIN_WINDOW_SECONDS: wholeFromEnv(1).default(900),
  /**
   * Failed logins per account per (longer) window, which a success does not clear: the bound on
   * guessing one account from many IPs while its owner keeps logging in (the limit above resets).
   */
  RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: wholeFromEnv(1).default(20),
  RATE_LIMIT_LOGIN_FAILURES_WINDOW_SECONDS: wholeFromEnv(1).default(3600),
  /**
   * scrypt cost of new password hashes (accounts/password.ts): 'standard' (OWASP's minimum), or
   * 'test' — a cheap cost for the test suites, refused unless NODE_ENV=test (passwordCostIssues).
   */
  PASSWORD_HASH_COST: z.enum(['standard', 'test']).default('standard'),
  /** Print the generated admin password at first start (off only in tests). */
  SEED_ADMIN_PRINT: boolFromEnv(true),
};

export interface AccountsConfig {
  sessionSecret: string | undefined;
  sessionTtlMs: number;
  apiTokenTtlMs: number;
  /** value for express' "trust proxy" setting; false when unset */
  trustProxy: boolean | number;
  cookieSecure: 'auto' | 'true' | 'false';
  seedAdminEmail: string | undefined;
  seedAdminPassword: string | undefined;
  seedAdminPrint: boolean;
  passwordHashCost: 'standard' | 'test';
  rateLimits: {
    analysesPerMinute: number;
    requestsPerMinute: number;
    loginPerIp: number;
    loginPerAccount: number;
    loginWindowMs: number;
    loginFailuresPerAccount: number;
    loginFailuresWindowMs: number;
  };
}

const accountsEnvObject = z.object(accountsEnvShape);
type AccountsEnv = z.infer<typeof accountsEnvObject>;

export function toAccountsConfig(env: AccountsEnv): AccountsConfig {
  const tp = env.TRUST_PROXY;
  return {
    sessionSecret: env.SESSION_SECRET,
    sessionTtlMs: Math.round(env.SESSION_TTL_HOURS * 3_600_000),
    apiTokenTtlMs: Math.round(env.API_TOKEN_TTL_HOURS * 3_600_000),
    trustProxy: tp === undefined || tp === 'false' ? false : tp === 'true' ? true : tp,
    cookieSecure: env.COOKIE_SECURE,
    seedAdminEmail: env.SEED_ADMIN_EMAIL,
    seedAdminPassword: env.SEED_ADMIN_PASSWORD,
    seedAdminPrint: env.SEED_ADMIN_PRINT,
    passwordHashCost: env.PASSWORD_HASH_COST,
    rateLimits: {
      analysesPerMinute: env.RATE_LIMIT_ANALYSES_PER_MINUTE,
      requestsPerMinute: env.RATE_LIMIT_REQUESTS_PER_MINUTE,
      loginPerIp: env.RATE_LIMIT_LOGIN_PER_IP,
      loginPerAccount: env.RATE_LIMIT_LOGIN_PER_ACCOUNT,
      loginWindowMs: env.RATE_LIMIT_LOGIN_WINDOW_SECONDS * 1000,
      loginFailuresPerAccount: env.RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT,
      loginFailuresWindowMs: env.RATE_LIMIT_LOGIN_FAILURES_WINDOW_SECONDS * 1000,
    },
  };
}

/**
 * SEED_ADMIN_PASSWORD held to the password policy the first admin's account will be created
 * under, at boot with the rest of the environment. It was checked only when the admin was created:
 * 'aaaaaaaaaa' passed the schema's length, the start migrated the database, loaded the models and
 * then died in the seed with AccountInputError's stack trace.
 */
export function seedAdminIssues(env: Pick<AccountsEnv, 'SEED_ADMIN_EMAIL' | 'SEED_ADMIN_PASSWORD'>): string[] {
  const problem = env.SEED_ADMIN_PASSWORD === undefined ? null : passwordProblem(env.SEED_ADMIN_PASSWORD, env.SEED_ADMIN_EMAIL);
  return problem ? [`SEED_ADMIN_PASSWORD: ${problem}`] : [];
}

/** The cheap test cost outside the test suites would store weak hashes for real accounts: refused at boot. */
export function passwordCostIssues(env: { NODE_ENV: string; PASSWORD_HASH_COST: 'standard' | 'test' }): string[] {
  return env.PASSWORD_HASH_COST === 'test' && env.NODE_ENV !== 'test'
    ? [`PASSWORD_HASH_COST: 'test' is for the test suites only (NODE_ENV=test); NODE_ENV is ${env.NODE_ENV}. Unset it.`]
    : [];
}
