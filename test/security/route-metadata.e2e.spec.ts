/**
 * Issue 11 F4/F5 — rate-limit classes and the login wall come from route metadata, so no
 * spelling of a path escapes them. Every route of the live router is walked with case-changed,
 * percent-encoded, double-slash and trailing-slash spellings: anonymous callers are refused
 * wherever the route is not public, and every route that runs the pipeline counts against the
 * per-user analyses limit whatever the spelling (before: `POST /api/v1/ANALYSES` was unlimited,
 * `/API/DOCS-JSON` served without login).
 */
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { ANALYSIS_ROUTE_KEY } from '../../src/accounts/decorators';
import { AnalyseFormController } from '../../src/classifier/analyse-form.controller';
import { AnalysesController } from '../../src/classifier/analyses.controller';
import { ReportsController } from '../../src/reports/reports.controller';
import { StudiesController } from '../../src/studies/studies.controller';
import { loginAs } from '../helpers/auth';
import { FAKE_MODELS_DIR, startApp, testConfig } from '../support/app';
import { PUBLIC, Route, routes } from '../support/routes';

/** The routes that run the analysis pipeline (README "Rate limits"). */
const ANALYSIS = new Set(['POST /api/v1/analyses', 'POST /api/v1/studies', 'POST /api/v1/reports']);

const fill = (p: string) => p.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');

/** The same path spelled as Express would still route it (and a few it should not). */
export function spellings(path: string): string[] {
  const upper = path.toUpperCase();
  const mixed = [...path].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('');
  const encoded = path.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`);
  const encodedUpper = path.replace(/[a-z]/, (c) => `%${c.toUpperCase().charCodeAt(0).toString(16)}`);
  return [...new Set([path, upper, mixed, encoded, encodedUpper, `/${path}`, `${path}/`])];
}

describe('routes, not strings: every spelling of every route', () => {
  let app: NestExpressApplication;
  let all: Route[];

  beforeAll(async () => {
    app = await startApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, RATE_LIMIT_ANALYSES_PER_MINUTE: '2', RATE_LIMIT_REQUESTS_PER_MINUTE: '100000' }));
    all = routes(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('finds the routes it must walk', () => {
    expect(all.length).toBeGreaterThan(20);
    for (const r of ANALYSIS) expect(all.map((x) => `${x.method} ${x.path}`)).toContain(r);
  });

  it('refuses anonymous callers on every non-public route under every spelling', async () => {
    const server = app.getHttpServer();
    const leaks: string[] = [];
    for (const r of all) {
      if (PUBLIC.has(`${r.method} ${r.path}`)) continue;
      for (const p of spellings(fill(r.path))) {
        const res = await request(server)[r.method.toLowerCase() as 'get'](p).set('Accept', 'application/json');
        if (res.status < 300 || (res.status >= 500 && res.status !== 501)) leaks.push(`${r.method} ${p} → ${res.status}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('keeps the OpenAPI document and Swagger UI behind the login, whatever the spelling (F5)', async () => {
    const server = app.getHttpServer();
    const paths = ['/api/docs-json', '/api/docs', '/api/docs/', '/api/docs/swagger-ui-init.js'].flatMap(spellings);
    const served: string[] = [];
    for (const p of paths) {
      const res = await request(server).get(p).set('Accept', 'application/json');
      if (res.status < 300) served.push(`${p} → ${res.status}`);
    }
    expect(served).toEqual([]);
    const { headers } = await loginAs(app);
    expect((await request(server).get('/API/DOCS-JSON').set(headers)).status).toBe(200);
  });

  it('counts every spelling of every pipeline route against the per-user analyses limit (F4)', async () => {
    const server = app.getHttpServer();
    const escaped: string[] = [];
    for (const key of ANALYSIS) {
      const path = key.split(' ')[1];
      for (const p of spellings(path)) {
        const { bearer } = await loginAs(app); // a fresh user: a fresh per-user counter
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) statuses.push((await request(server).post(p).set(bearer).set('Accept', 'application/json')).status);
        // a spelling that is not routed never runs the pipeline; one that is must meet the limit
        if (statuses[0] !== 404 && statuses[2] !== 429) escaped.push(`POST ${p} → ${statuses.join(',')}`);
      }
    }
    expect(escaped).toEqual([]);
  });

  it('marks the pipeline routes with @AnalysisRoute() on the handler (the guard reads nothing else)', () => {
    // the form without JavaScript too (its limit is tested with its session cookie: analyse-form.e2e.spec.ts)
    for (const fn of [AnalysesController.prototype.create, AnalyseFormController.prototype.analyse, StudiesController.prototype.create, ReportsController.prototype.create]) {
      expect(Reflect.getMetadata(ANALYSIS_ROUTE_KEY, fn)).toBe(true);
    }
  });
});
