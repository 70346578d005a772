/**
 * The test suites hash passwords at a cheap cost (testConfig sets PASSWORD_HASH_COST=test); the
 * service itself must not. What an app stores by default, that the cheap cost cannot be switched
 * on outside NODE_ENV=test, and that a hash keeps verifying at the cost it was made with (a test
 * app reads an account made at the standard cost, as a real one after a change of setting would).
 */
import { PasswordHasher } from '../../src/accounts/password';
import { UsersService } from '../../src/accounts/users.service';
import { ConfigValidationError, parseEnv } from '../../src/config/config.schema';
import { UserRepository } from '../../src/repositories/user.repository';
import { testConfig } from '../support/app';
import { useApp } from '../support/use-app';

const storedParams = async (users: UserRepository, email: string): Promise<string | undefined> =>
  (await users.findByEmail(email))?.passwordHash.split('$').slice(0, 4).join('$');

describe('an app with the default PASSWORD_HASH_COST', () => {
  // '' is "unset" for the config, as in the shell: the service's own default
  const h = useApp({ config: () => testConfig({ PASSWORD_HASH_COST: '' }) });

  it('stores new passwords at the standard scrypt cost (N=2^14, r=8, p=5) and the hasher says so', async () => {
    await h.get(UsersService).create({ email: 'standard@example.org', password: 'a long enough passphrase', mustChangePassword: false });
    expect(await storedParams(h.get(UserRepository), 'standard@example.org')).toBe('scrypt$16384$8$5');
    expect(h.get(PasswordHasher).cost).toEqual({ N: 16384, r: 8, p: 5 });
  });
});

describe('an app with PASSWORD_HASH_COST=test (what testConfig gives every suite)', () => {
  const h = useApp();

  it('stores new passwords at the cheap cost and signs them in', async () => {
    const users = h.get(UsersService);
    await users.create({ email: 'cheap@example.org', password: 'a long enough passphrase', mustChangePassword: false });
    expect(await storedParams(h.get(UserRepository), 'cheap@example.org')).toBe('scrypt$1024$8$1');
    expect(await users.verifyCredentials('cheap@example.org', 'a long enough passphrase')).toMatchObject({ email: 'cheap@example.org' });
    expect(await users.verifyCredentials('cheap@example.org', 'another passphrase')).toBeNull();
  });

  it('still signs in an account whose hash was made at the standard cost (parameters travel with the hash)', async () => {
    const repo = h.get(UserRepository);
    const passwordHash = await new PasswordHasher().hash('made at the standard cost');
    await repo.create({ email: 'older@example.org', role: 'user', passwordHash, mustChangePassword: false });
    expect(await storedParams(repo, 'older@example.org')).toBe('scrypt$16384$8$5');
    expect(await h.get(UsersService).verifyCredentials('older@example.org', 'made at the standard cost')).toMatchObject({ email: 'older@example.org' });
  });
});

describe('PASSWORD_HASH_COST=test outside the test suites', () => {
  it.each(['production', 'development'])('is refused at boot when NODE_ENV=%s, naming the setting', (nodeEnv) => {
    const env = { NODE_ENV: nodeEnv, PASSWORD_HASH_COST: 'test', SESSION_SECRET: 'x'.repeat(40) };
    expect(() => parseEnv(env)).toThrow(ConfigValidationError);
    expect(() => parseEnv(env)).toThrow(/PASSWORD_HASH_COST: 'test' is for the test suites only/);
  });

  it('is refused when NODE_ENV is unset (development by default); any other value is refused by the schema', () => {
    expect(() => parseEnv({ PASSWORD_HASH_COST: 'test' })).toThrow(/PASSWORD_HASH_COST/);
    expect(() => parseEnv({ NODE_ENV: 'test', PASSWORD_HASH_COST: 'cheap' })).toThrow(/PASSWORD_HASH_COST/);
    expect(parseEnv({ NODE_ENV: 'test', PASSWORD_HASH_COST: 'test' }).PASSWORD_HASH_COST).toBe('test');
    expect(parseEnv({}).PASSWORD_HASH_COST).toBe('standard');
  });
});
