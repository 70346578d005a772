import { randomBytes, scrypt as scryptCb, ScryptOptions, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing with scrypt (node:crypto): salted, memory-hard, at OWASP's minimum
 * (N=2^14, r=8, p=5 — 16 MiB, ~5 × 16k-rounds). Parameters are stored with each hash so they can
 * be raised later without invalidating existing passwords.
 * Format: `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`.
 */
const N = 16384;
const R = 8;
const P = 5;
const KEYLEN = 32;
const SALT_BYTES = 16;

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFKC'), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

const maxmem = (n: number, r: number) => 256 * n * r + 1024 * 1024;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, KEYLEN, { N, r: R, p: P, maxmem: maxmem(N, R) });
  return ['scrypt', N, R, P, salt.toString('base64'), key.toString('base64')].join('$');
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
const DUMMY_HASH = ['scrypt', N, R, P, randomBytes(SALT_BYTES).toString('base64'), randomBytes(KEYLEN).toString('base64')].join('$');
export function dummyHash(): string {
  return DUMMY_HASH;
}

/** Readable random password (base64url, ~120 bits). */
export function randomPassword(): string {
  return randomBytes(15).toString('base64url');
}

export const MIN_PASSWORD_LENGTH = 10;
