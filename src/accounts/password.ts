import { randomBytes, scrypt as scryptCb, ScryptOptions, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing with scrypt (node:crypto): salted, memory-hard. Parameters are stored with each
 * hash, so they can be raised later without invalidating existing passwords, and a hash made at
 * one cost verifies at that cost.
 * Format: `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`.
 */
export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** OWASP's minimum (N=2^14, r=8, p=5 — 16 MiB, ~5 × 16k rounds): ~300 ms a hash on the 2-core box. */
export const STANDARD_COST: ScryptCost = { N: 16384, r: 8, p: 5 };

/**
 * For the test suites only (PASSWORD_HASH_COST=test, which the config refuses unless NODE_ENV=test,
 * as Devise keeps one stretch in Rails' test environment): the same code path at 1/80 of the work
 * (~4 ms). The suites log in thousands of times; at the standard cost scrypt was half the run time
 * of the account suites. What the service stores is asserted at the standard cost elsewhere.
 */
export const TEST_COST: ScryptCost = { N: 1024, r: 8, p: 1 };

const KEYLEN = 32;
const SALT_BYTES = 16;

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFKC'), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

const maxmem = (n: number, r: number) => 256 * n * r + 1024 * 1024;

export async function hashPassword(password: string, cost: ScryptCost = STANDARD_COST): Promise<string> {
  const { N, r, p } = cost;
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, KEYLEN, { N, r, p, maxmem: maxmem(N, r) });
  return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  if (![n, r, p].every((v) => Number.isInteger(v) && v > 0) || n > 1 << 20) return false;
  const salt = Buffer.from(parts[4], 'base64');
  const expected = Buffer.from(parts[5], 'base64');
  const key = await scrypt(password, salt, expected.length, { N: n, r, p, maxmem: maxmem(n, r) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * What an unknown email's password is checked against: a stored hash's format and parameters, so
 * verifying costs the same one scrypt as a real one, but random bytes where the key would be — no
 * password matches it, and nothing has to be derived. It was a real hash made lazily by the first
 * login that needed it, which so ran two scrypts: the first probe after each start told a missing
 * account apart by its time.
 */
function makeDummyHash(cost: ScryptCost): string {
  return ['scrypt', cost.N, cost.r, cost.p, randomBytes(SALT_BYTES).toString('base64'), randomBytes(KEYLEN).toString('base64')].join('$');
}

/** Hashing at the configured cost (accounts.module.ts builds it from PASSWORD_HASH_COST). */
export class PasswordHasher {
  private readonly dummyHash: string;

  constructor(readonly cost: ScryptCost = STANDARD_COST) {
    this.dummyHash = makeDummyHash(cost);
  }

  hash(password: string): Promise<string> {
    return hashPassword(password, this.cost);
  }

  verify(password: string, stored: string): Promise<boolean> {
    return verifyPassword(password, stored);
  }

  /** what an unknown account's password is checked against: one scrypt at this cost */
  dummy(): string {
    return this.dummyHash;
  }
}

/** Readable random password (base64url, ~120 bits). */
export function randomPassword(): string {
  return randomBytes(15).toString('base64url');
}

export const MIN_PASSWORD_LENGTH = 10;
