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
    const service = new UsersService(users, {} as SessionRepository, {} as RateLimitStore);
    const verify = jest.spyOn(password, 'verifyPassword');

    await expect(service.verifyCredentials('known@example.org', 'a wrong passphrase')).resolves.toBeNull();
    await expect(service.verifyCredentials('nobody@example.org', 'a wrong passphrase')).resolves.toBeNull();
    await expect(service.verifyCredentials(undefined, 'a wrong passphrase')).resolves.toBeNull();

    // one scrypt verification each, at the parameters of a real hash
    expect(verify).toHaveBeenCalledTimes(3);
    const params = verify.mock.calls.map(([, stored]) => stored.split('$').slice(0, 4).join('$'));
    expect(params).toEqual(['scrypt$16384$8$5', 'scrypt$16384$8$5', 'scrypt$16384$8$5']);
    verify.mockRestore();
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
