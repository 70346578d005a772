import { Controller, Get, Post } from '@nestjs/common';
import type { DiscoveryService } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { Unthrottled } from '../../src/accounts/decorators';
import { TooManyRequestsError } from '../../src/accounts/errors';
import type { AuditLog } from '../../src/audit/audit-log.service';
import { MemoryThrottlerStorage } from '../../src/rate-limit/memory-throttler.storage';
import { requestLimit, unthrottledRoutes } from '../../src/rate-limit/request-limit';

@Controller()
@Unthrottled()
class Probes {
  @Get('healthz') live(): void {}
  @Post('healthz') notAProbe(): void {}
}
@Controller('api')
class Api {
  @Unthrottled() @Get('ping') ping(): void {}
  @Get('me') me(): void {}
}
@Controller('x')
class WithParam {
  @Unthrottled() @Get(':id') one(): void {}
}
const discovery = (...classes: (new () => object)[]) =>
  ({ getControllers: () => classes.map((metatype) => ({ metatype, instance: new metatype() })) }) as unknown as DiscoveryService;

describe('unthrottledRoutes: the @Unthrottled() routes, as the middleware matches them', () => {
  it('class-wide and per handler, by method and path', () => {
    expect([...unthrottledRoutes(discovery(Probes, Api))].sort()).toEqual(['GET /api/ping', 'GET /healthz', 'POST /healthz']);
  });
  it('a route with a parameter is refused at start-up: matched as a fixed string, it would exempt nothing', () => {
    expect(() => unthrottledRoutes(discovery(WithParam))).toThrow('@Unthrottled() needs a fixed path: /x/:id');
  });
});

describe('requestLimit middleware', () => {
  const store = new MemoryThrottlerStorage({ now: () => 1_000_000 });
  const refused = jest.fn();
  const mw = requestLimit({
    store,
    perMinute: 2,
    refusals: { refused },
    audit: { event: (_req, event, fields) => ({ event, ...fields }) } as Pick<AuditLog, 'event'>,
    unthrottled: new Set(['GET /healthz']),
  });
  const call = async (method: string, path: string, ip = '192.0.2.1') => {
    const headers: Record<string, string> = {};
    const res = { setHeader: (k: string, v: string) => (headers[k] = v) } as unknown as Response;
    const passed = await new Promise<unknown>((resolve) => mw({ method, path, ip } as Request, res, resolve as NextFunction));
    return { passed, headers };
  };
  afterAll(() => store.onApplicationShutdown());

  it('counts every request per address, refuses past the limit with Retry-After and one digest call per refusal; probes pass uncounted', async () => {
    expect((await call('GET', '/nope')).headers).toMatchObject({ 'X-RateLimit-Limit-ip': '2', 'X-RateLimit-Remaining-ip': '1' });
    expect((await call('GET', '/healthz')).passed).toBeUndefined();
    expect((await call('HEAD', '/HEALTHZ/')).passed).toBeUndefined();
    expect((await call('DELETE', '/healthz')).passed).toBeUndefined(); // the 2nd counted request
    // a static file counts in its own bucket (STATIC_LIMIT): served past the pages' limit
    expect((await call('GET', '/static/css/app.css')).headers).toMatchObject({ 'X-RateLimit-Remaining-static': '1' });
    const over = await call('GET', '/api/v1/auth/me');
    expect(over.passed).toBeInstanceOf(TooManyRequestsError);
    expect(over.headers['Retry-After']).toBe('60');
    expect(refused).toHaveBeenCalledWith('ip:192.0.2.1', 60_000, { event: 'rate_limited', limit: 'ip' });
    expect((await call('GET', '/healthz')).passed).toBeUndefined();
    // IPv6: the /64, as the keys of every per-IP limit
    expect((await call('GET', '/', '2001:db8::1')).passed).toBeUndefined();
    expect((await call('GET', '/', '2001:db8::2')).passed).toBeUndefined();
    expect((await call('GET', '/', '2001:db8::3')).passed).toBeInstanceOf(TooManyRequestsError);
  });
});
