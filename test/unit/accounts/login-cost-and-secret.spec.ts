/**
 * Two README account claims that had no test: "an unknown email costs the same scrypt work as a
 * known one" (so response times do not say which accounts exist) and SESSION_SECRET "≥ 32 chars,
 * required when NODE_ENV=production" (a random per-process secret would break CSRF across replicas
 * and every restart).
 */
import type { FactoryProvider } from '@nestjs/common';
import { csrfProvider } from '../../../src/accounts/csrf.provider';
import { Csrf } from '../../../src/accounts/csrf';
import * as password from '../../../src/accounts/password';
import { UsersService } from '../../../src/accounts/users.service';
import { ConfigValidationError, parseEnv } from '../../../src/config/config.schema';
import { AppConfig } from '../../../src/config/config.service';
import type { RateLimitStore } from '../../../src/rate-limit/rate-limit.storage';
import type { SessionRepository } from '../../../src/repositories/session.repository';
import type { UserRepository } from '../../../src/repositories/user.repository';

describe('login: an unknown email costs the same scrypt work as a known one', () => {
  it('verifies the password against a scrypt hash of the same parameters whether or not the account exists', async () => {
    const known = { id: 'u1', email: 'known@example.org', role: 'user', disabled: false, mustChangePassword: false, passwordHash: await password.hashPassword('the right passphrase') };
    const users = { findByEmail: async (e: string) => (e === known.email ? known : null) } as unknown as UserRepository;
    const hasher = new password.PasswordHasher();
    const service = new UsersService(users, {} as SessionRepository, {} as RateLimitStore, hasher);
    const verify = jest.spyOn(hasher, 'verify');

    await expect(service.verifyCredentials('known@example.org', 'a wrong passphrase')).resolves.toBeNull();
    await expect(service.verifyCredentials('nobody@example.org', 'a wrong passphrase')).resolves.toBeNull();
    await expect(service.verifyCredentials(undefined, 'a wrong passphrase')).resolves.toBeNull();

    // one scrypt verification each, at the parameters of a real hash
    expect(verify).toHaveBeenCalledTimes(3);
    const params = verify.mock.calls.map(([, stored]) => stored.split('$').slice(0, 4).join('$'));
    expect(params).toEqual(['scrypt$16384$8$5', 'scrypt$16384$8$5', 'scrypt$16384$8$5']);
    verify.mockRestore();
  });

  // The dummy hash was made by the first unknown-email login itself: that login ran two scrypts
  // (measured on a loaded 2-core box: 1426 ms against a median of 594 for unknown and 584 for a
  // wrong password), so the first probe after each start told a missing account apart. Counted in
  // scrypt runs, not milliseconds: node:crypto's scrypt is read at each call (CommonJS), so a spy sees them all.
  it('the first unknown-email login after start runs one scrypt too, and nothing is derived beforehand', async () => {
    await jest.isolateModulesAsync(async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const crypto = require('node:crypto') as typeof import('node:crypto');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { UsersService: FreshUsersService } = require('../../../src/accounts/users.service') as typeof import('../../../src/accounts/users.service');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { PasswordHasher } = require('../../../src/accounts/password') as typeof import('../../../src/accounts/password');
      const scrypt = jest.spyOn(crypto, 'scrypt');
      const users = { findByEmail: async () => null } as unknown as UserRepository;
      const service = new FreshUsersService(users, {} as SessionRepository, {} as RateLimitStore, new PasswordHasher());
      const atStart = scrypt.mock.calls.length;
      await expect(service.verifyCredentials('nobody@example.org', 'a wrong passphrase')).resolves.toBeNull();
      expect({ atStart, perLogin: scrypt.mock.calls.length - atStart }).toEqual({ atStart: 0, perLogin: 1 });
      scrypt.mockRestore();
    });
  });
});

describe('SESSION_SECRET', () => {
  const factory = (csrfProvider as FactoryProvider<Csrf>).useFactory as (config: AppConfig) => Csrf;
  const config = (env: Record<string, string>) => new AppConfig(parseEnv(env));

  it('is required when NODE_ENV=production: the start fails naming it', () => {
    expect(() => factory(config({ NODE_ENV: 'production' }))).toThrow('SESSION_SECRET (≥ 32 characters) is required when NODE_ENV=production.');
    expect(factory(config({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32) }))).toBeInstanceOf(Csrf);
  });

  it('is optional elsewhere (a random per-process secret)', () => {
    expect(factory(config({ NODE_ENV: 'test' }))).toBeInstanceOf(Csrf);
  });

  it('shorter than 32 characters stops the start', () => {
    expect(() => parseEnv({ SESSION_SECRET: 'x'.repeat(31) })).toThrow(ConfigValidationError);
  });
});
