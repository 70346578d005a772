import { Logger } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { TRUST_PROXY_TRUE_WARNING } from '../../src/accounts/accounts.setup';
import { clientKey } from '../../src/rate-limit/keys';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';

/**
 * The per-IP limits key on the client's network, not on its exact address. An IPv6 host is
 * handed a /64 (ISPs, every cloud VM): keyed per /128 it had 2^64 fresh counters, so the per-IP
 * login limit (password spraying across accounts, scrypt work) and the per-IP request limit did
 * not hold for it. Reproduced behind TRUST_PROXY=1 with a login limit of 3: ten guesses from
 * 2001:db8:1:2::1…::a all answered 401, none 429. An IPv4 client written IPv4-mapped
 * (::ffff:203.0.113.9, as a dual-stack listener or a proxy may write it) had a second count too.
 */
describe('per-IP limits key on the client network (IPv6 /64, IPv4-mapped = IPv4)', () => {
  let app: NestExpressApplication;
  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, TRUST_PROXY: '1', RATE_LIMIT_LOGIN_PER_IP: '3' }));
  });
  afterAll(() => app.close());

  const guess = (from: string, i: number) =>
    request(app.getHttpServer())
      .post('/api/v1/auth/token')
      .set('X-Forwarded-For', from)
      .send({ email: `nobody${i}@example.org`, password: 'not-the-password-1' });

  it('addresses of one IPv6 /64 share one login count; another /64 has its own', async () => {
    const codes: number[] = [];
    for (let i = 1; i <= 5; i++) codes.push((await guess(`2001:db8:1:2::${i}`, i)).status);
    expect(codes).toEqual([401, 401, 401, 429, 429]);
    await guess('2001:db8:1:3::1', 9).expect(401);
  });

  it('an IPv4 client counts once whether written plain or IPv4-mapped', async () => {
    const codes: number[] = [];
    for (let i = 1; i <= 4; i++) codes.push((await guess(i % 2 ? '::ffff:203.0.113.9' : '203.0.113.9', 20 + i)).status);
    expect(codes).toEqual([401, 401, 401, 429]);
  });
});

describe('clientKey', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['::FFFF:cb00:7109', '203.0.113.9'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff:0:0:1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('%s → %s', (ip, key) => expect(clientKey(ip)).toBe(key));

  it('anything that is not an IP address stays as it is (never merged with a real one)', () => {
    expect(clientKey('unknown')).toBe('unknown');
    expect(clientKey('')).toBe('unknown');
    expect(clientKey(undefined)).toBe('unknown');
  });
});

describe('TRUST_PROXY=true', () => {
  it('warns at start-up that a client can name its own address (per-IP limits spoofable), and a hop count does not', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      for (const [value, warned] of [['true', true], ['1', false]] as const) {
        warn.mockClear();
        const app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, TRUST_PROXY: value }));
        await app.close();
        expect(warn.mock.calls.some(([m]) => m === TRUST_PROXY_TRUE_WARNING)).toBe(warned);
      }
    } finally {
      warn.mockRestore();
    }
  });
});
