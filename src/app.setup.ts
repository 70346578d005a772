import { STUDY_CONFIDENCE_NAME, STUDY_CONFIDENCE_NOTE } from './presentation/study-confidence';
import { DynamicModule, LogLevel } from '@nestjs/common';
import { DiscoveryService, NestFactory } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { declareSharedHeaders } from './common/api-headers';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import hbs from 'hbs';
import type { Server } from 'node:http';
import * as path from 'node:path';
import { configureAccounts } from './accounts/accounts.setup';
import { methodNotAllowed, RouteAccess } from './accounts/method-not-allowed';
import { AppModule, AppOptions } from './app.module';
import { accessLog } from './audit/access-log';
import { AuditLog } from './audit/audit-log.service';
import { AppExceptionFilter } from './common/app-exception.filter';
import { ZodValidationPipe } from './common/zod-dto';
import { DISCLAIMER, EXPERIMENTAL_NOTICE } from './common/disclaimer';
import { HEATMAP_NOTE, NO_FOCUS_NOTE } from './explainability/heatmap-text';
import { canonicalPath } from './common/paths';
import { refuseOversizedUploads, UploadBound } from './common/declared-length';
import { answerExpectations, refuseUnmetExpectations } from './common/expect-continue';
import { answerClientErrors } from './common/client-error';
import { JsonBodyInterceptor, jsonOnlyOperations } from './common/json-body';
import { queryFreeOperations, UndeclaredQueryInterceptor, UNDECLARED_QUERY_RULE } from './common/undeclared-query';
import { assignRequestId } from './common/request-id';
import { FallThroughExpressAdapter } from './common/fall-through.adapter';
import { registerViewHelpers } from './common/view-helpers';
import { AppConfig } from './config/config.service';
import { pageWords } from './presentation/labels';
import { RateLimitStore } from './rate-limit/rate-limit.storage';
import { RefusalDigestService } from './rate-limit/refusal-digest';
import { requestLimit, unthrottledRoutes } from './rate-limit/request-limit';

/** views/ and public/ sit beside src/ and dist/ alike. */
export const VIEWS_DIR = path.resolve(__dirname, '../views');
export const PUBLIC_DIR = path.resolve(__dirname, '../public');

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/**
 * Security headers by helmet: a strict CSP (no inline scripts or styles anywhere in our pages;
 * no `upgrade-insecure-requests`, so a plain-HTTP deployment still loads its own files), nosniff,
 * X-Frame-Options DENY, no-referrer, HSTS (browsers ignore it over HTTP), cross-origin isolation
 * headers. Swagger UI needs inline code of its own, so /api/docs gets everything but the CSP.
 */
const CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    frameAncestors: ["'none'"],
    formAction: ["'self'"],
  },
};
const withCsp = helmet({ contentSecurityPolicy: CSP, frameguard: { action: 'deny' } });
const withoutCsp = helmet({ contentSecurityPolicy: false, frameguard: { action: 'deny' } });

function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  (canonicalPath(req.path).startsWith('/api/docs') ? withoutCsp : withCsp)(req, res, next);
}

/** Everything main.ts and the e2e tests share: filters, views, static files, OpenAPI. */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  app.disable('x-powered-by');
  const config = app.get(AppConfig);
  // first of all: every answer, whoever gives it, names the request (X-Request-Id)
  app.use(assignRequestId);
  // next, so that its duration covers every other middleware and it sees every answer
  if (config.accessLog) app.use(accessLog(app.get(AuditLog)));
  app.use(securityHeaders);
  // the per-IP request limit: before static files, the login lookup (a database read) and the router,
  // so that every request counts (static files in a bucket of their own) and a refused one costs no lookup (request-limit.ts)
  app.use(
    requestLimit({
      store: app.get(RateLimitStore),
      perMinute: config.accounts.rateLimits.requestsPerMinute,
      refusals: app.get(RefusalDigestService),
      audit: app.get(AuditLog),
      unthrottled: unthrottledRoutes(app.get(DiscoveryService)),
    }),
  );
  // an Expect header other than 100-continue: 417, counted above (expect-continue.ts)
  app.use(refuseUnmetExpectations);
  // the upload routes and the most file bytes each takes in one request (declared-length.ts)
  const uploads: UploadBound[] = [
    { path: '/api/v1/analyses', fileBytes: config.maxUploadBytes, files: 1 },
    { path: '/api/v1/reports', fileBytes: config.maxUploadBytes, files: 1 },
    { path: '/analyse', fileBytes: config.maxUploadBytes, files: 1 },
    { path: '/api/v1/studies', fileBytes: config.studyMaxBytes, files: config.studyMaxSlices + 1 },
  ];
  const filter = new AppExceptionFilter();
  // a Content-Length no upload of the route can reach: 413 from the headers, the body never read;
  // counted by the request limit above, answered before the login lookup below; a chunked body,
  // once past that bound, answered 413 by the same filter as it arrives (declared-length.ts)
  app.use(refuseOversizedUploads(uploads, (error, req, res) => filter.catch(error, new ExecutionContextHost([req, res]))));
  app.useGlobalFilters(filter);
  // every @Body()/@Query() typed with a ZodDto class is parsed here, once
  app.useGlobalPipes(new ZodValidationPipe());
  app.useStaticAssets(PUBLIC_DIR, { prefix: '/static/', maxAge: '1h' });
  app.setBaseViewsDir(VIEWS_DIR);
  app.setViewEngine('hbs');
  app.setLocal('disclaimer', DISCLAIMER);
  // read by the layout (data attribute for the page scripts) and history-detail: one source of the words
  app.setLocal('experimentalNotice', EXPERIMENTAL_NOTICE);
  // what a heat map is (heatmap-text.ts): under every map a page shows, as in the PDF
  app.setLocal('heatmapNote', HEATMAP_NOTE);
  // said instead of a map where no region stands out (explanation.focus 'none')
  app.setLocal('noFocusNote', NO_FOCUS_NOTE);
  // a study's figure named and explained as the history detail and the PDF do (it is not itself calibrated)
  app.setLocal('studyConfidenceName', STUDY_CONFIDENCE_NAME);
  app.setLocal('studyConfidenceNote', STUDY_CONFIDENCE_NOTE);
  // the page scripts name results with the server's words (labels.ts), never a copy of their own
  app.setLocal('pageWords', JSON.stringify(pageWords()));
  hbs.registerPartials(path.join(VIEWS_DIR, 'partials'));
  registerViewHelpers(hbs);

  // who is calling, CSRF cookie, login wall for /api/docs: before Swagger and the Nest router
  configureAccounts(app);
  // Expect: 100-continue with a Content-Length no upload can reach: no 100, on to the request limit
  // and the 413 above, before the body is sent; any other expectation on to the 417 above
  answerExpectations(app.getHttpServer() as Server, uploads);
  // what Node's parser refuses before Express (headers over 16 KB: 431) answered in the app's error shape
  answerClientErrors(app.getHttpServer() as Server);
  // a known path with a method it does not take: 405 + Allow, not the router's 404
  const adapter = app.getHttpAdapter();
  if (!(adapter instanceof FallThroughExpressAdapter)) throw new Error('configureApp needs an app created with FallThroughExpressAdapter (createApp)');
  adapter.beforeNotFound(methodNotAllowed(app.get(RouteAccess), app.get(AuditLog)));

  const doc = new DocumentBuilder()
    .setTitle('MRI Sentinel API')
    .setDescription(`Research-grade MRI image analysis. ${DISCLAIMER} ${UNDECLARED_QUERY_RULE}`)
    .setVersion('1')
    // not a JWT (swagger's default bearerFormat): an opaque random token, only its sha256 stored
    .addBearerAuth({ type: 'http', bearerFormat: 'opaque', description: 'An opaque token (mst_…) from POST /api/v1/auth/token; nothing to decode.' })
    // every /api/v1 route takes `Authorization: Bearer <token>` from POST /api/v1/auth/token
    .addSecurityRequirements('bearer')
    .build();
  const document = declareSharedHeaders(SwaggerModule.createDocument(app, doc));
  // an operation the document says reads JSON refuses any other body with 415 (json-body.ts)
  // and one of /api/v1 that declares no query parameter refuses any with 400 (undeclared-query.ts)
  app.useGlobalInterceptors(new JsonBodyInterceptor(jsonOnlyOperations(document)), new UndeclaredQueryInterceptor(queryFreeOperations(document)));
  // the page's tab reads as the service's, not Swagger's default "Swagger UI"
  SwaggerModule.setup('api/docs', app, document, { customSiteTitle: 'MRI Sentinel API' });
  return app;
}

/**
 * `extraImports` lets tests (and later features) add modules, e.g. an ANALYSIS_RECORDER;
 * `options.auditSink` is where the audit log writes (tests keep its lines).
 */
export async function createApp(config: AppConfig, extraImports: DynamicModule['imports'] = [], options: AppOptions = {}): Promise<NestExpressApplication> {
  const upTo = LEVELS.indexOf(config.logLevel);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, extraImports, options), new FallThroughExpressAdapter(), {
    logger: LEVELS.slice(0, upTo + 1),
  });
  return configureApp(app);
}
