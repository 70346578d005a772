import { applyDecorators, CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata, UseInterceptors } from '@nestjs/common';
import { applyDefaultLimits, transformException } from '@nestjs/platform-express/multer/multer/multer.utils';
import type { Request, Response } from 'express';
import multer from 'multer';
import type { Observable } from 'rxjs';
import { imageUploadOptions, UploadLedger } from '../common/account-upload-storage';
import { fileOverLimit } from '../common/upload-field.interceptor';
import { actor, AuditLog } from '../audit/audit-log.service';
import { AppConfig } from '../config/config.service';
import { csrfTokenAccepted } from './access.guard';
import { CSRF_FIELD, CSRF_HEADER, Csrf } from './csrf';
import { CSRF_IN_FORM_KEY } from './decorators';
import { CsrfError } from './errors';
import { authState } from './request-user';

/**
 * Why the token travels as a form field, and is checked while the body streams in:
 *
 * A plain `<form enctype="multipart/form-data">` (JavaScript off) cannot set a header, and the
 * global AccessGuard runs before any body is parsed, so the CSRF token must be in the body or the
 * URL. In the URL (`action="/analyse?_csrf=…"`) it would be written to access logs and proxies'
 * logs and kept in the browser's history; Referrer-Policy: no-referrer keeps it out of Referer
 * headers, but not out of the rest. In the body it is seen by nobody but this server. The form
 * puts its hidden `_csrf` field before the file input, and browsers send the parts in the form's
 * order, so the field has arrived when the file part begins: this interceptor parses the body as
 * it arrives (multer/busboy, the API's own limits and per-account ledger), and when the file part
 * begins — before one byte of it is taken into memory or counted — checks the token and, if it is
 * missing or wrong, answers 403 at once. It does not wait for the rest of the body (multer on its
 * own reads a refused body to its end before answering, so a body that never ended was never
 * answered); the rest is not read: the answer closes the connection (closeIfBodyUnread).
 * A body without a file part is checked once its fields are parsed (same token, same 403).
 * The X-CSRF-Token header is accepted too, so a script may post here as the page's fetch does.
 */
@Injectable()
export class FormUploadInterceptor implements NestInterceptor {
  private readonly options: multer.Options;

  constructor(
    private readonly config: AppConfig,
    ledger: UploadLedger,
    private readonly csrf: Csrf,
    private readonly audit: AuditLog,
  ) {
    // the limits of POST /api/v1/analyses (ClassifierModule): one image, a few short text fields
    this.options = applyDefaultLimits(imageUploadOptions(config, ledger, { fields: 8, parts: 10 })) as multer.Options;
  }

  private tokenAccepted(req: Request): boolean {
    const body = req.body as Record<string, unknown> | undefined;
    return csrfTokenAccepted(this.csrf, req, req.headers[CSRF_HEADER] ?? body?.[CSRF_FIELD]);
  }

  /** The guard's CSRF refusal, made here for the form upload: written to the audit log as the guard's is. */
  private refuse(req: Request): CsrfError {
    this.audit.record(req, 'csrf.failure', actor(authState(req).user));
    return new CsrfError();
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: unknown) => {
        if (settled) return;
        settled = true;
        if (err) reject(err);
        else resolve();
      };
      const fileFilter: multer.Options['fileFilter'] = (r, _file, cb) => {
        if (this.tokenAccepted(r)) return cb(null, true);
        const refusal = this.refuse(r);
        settle(refusal); // answered now, not after multer has read the rest of the body
        cb(refusal); // and multer stops taking the file
      };
      multer({ ...this.options, fileFilter }).single(FORM_IMAGE_FIELD)(req, res, (err: unknown) =>
        // a file over the limit is said as the API says it ("The file exceeds the 5 MB limit.")
        settle(err ? fileOverLimit(transformException(err as Error & { code?: string }), this.config.maxUploadBytes) : undefined),
      );
    });
    // no file part (nothing chosen, or not multipart at all): the fields alone carry the token
    if (!this.tokenAccepted(req)) throw this.refuse(req);
    return next.handle();
  }
}

/** The form's file field: the API's own name, so one form posts to either with JavaScript on or off. */
export const FORM_IMAGE_FIELD = 'image';

/**
 * A cookie-authenticated route that takes one image from a plain HTML form: the guard leaves the
 * CSRF check to FormUploadInterceptor, which makes it before the file is read. The metadata and
 * the interceptor go together, so no route can skip the guard's check without making this one.
 */
export const FormImageUpload = () => applyDecorators(SetMetadata(CSRF_IN_FORM_KEY, true), UseInterceptors(FormUploadInterceptor));
