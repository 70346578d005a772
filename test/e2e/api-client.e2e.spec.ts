/**
 * The API as a researcher's script calls it (curl -F, requests, httr): what a client's retry
 * helper and a mistyped form field are told.
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { PrismaService } from '../../src/prisma/prisma.service';
import { createUser } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';

describe('the API as a script calls it', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR }));
  });
  afterAll(async () => {
    await app?.close();
  });

  // urllib3's Retry and httr's RETRY wait for Retry-After on 503 as on 429; without it they
  // either give up or hammer a server that said it would be back in seconds
  it('every 503 carries Retry-After: the API error and /readyz', async () => {
    const server = app.getHttpServer();
    const { user, password } = await createUser(app);
    const prisma = app.get(PrismaService);
    await prisma.$executeRawUnsafe('PRAGMA query_only = ON');
    try {
      const login = await request(server).post('/api/v1/auth/token').send({ email: user.email, password });
      expect(login.status).toBe(503);
      expect(login.body.code).toBe('DATABASE_UNAVAILABLE');
      expect(login.headers['retry-after']).toBe('5');
      const ready = await request(server).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.headers['retry-after']).toBe('5');
    } finally {
      await prisma.$executeRawUnsafe('PRAGMA query_only = OFF');
    }
    const ok = await request(server).get('/readyz').expect(200);
    expect(ok.headers['retry-after']).toBeUndefined();
  });
});
