import { BadRequestException, CallHandler, ExecutionContext, HttpException, Injectable, mixin, NestInterceptor, Type } from '@nestjs/common';
import { catchError, Observable, throwError } from 'rxjs';
import { AppConfig } from '../config/config.service';
import { FileTooLargeError } from './errors';

/**
 * multer's refusals of a file in another field ("Unexpected file field") or of a second file
 * ("Too many files") said with the field the route does take — a script that wrote
 * `-F file=@scan.png` or `files=` was told only that something was unexpected. The client's own
 * field name is still never echoed. And multer's own 413 ("The file is too large.") names the route's
 * limit (`limitBytes` of the config), as the study checks' 413s do. Listed before the route's
 * File(s)Interceptor, so it wraps it.
 */
export function UploadFieldWords(field: string, maxFiles: number | null, limitBytes: (config: AppConfig) => number): Type<NestInterceptor> {
  @Injectable()
  class UploadFieldWordsInterceptor implements NestInterceptor {
    constructor(private readonly config: AppConfig) {}

    intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
      return next.handle().pipe(catchError((error: unknown) => throwError(() => reworded(error, field, maxFiles, limitBytes(this.config)))));
    }
  }
  return mixin(UploadFieldWordsInterceptor);
}

/**
 * multer's 413 for a file over the route's limit, said with the limit ("The file exceeds the 5 MB
 * limit."); any other error unchanged. Shared with the no-JavaScript form (form-upload.ts), which
 * runs multer itself, so the page and the API say the same.
 */
export function fileOverLimit(error: unknown, limit: number): unknown {
  if (!(error instanceof HttpException) || error.getStatus() !== 413) return error;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return code === 'LIMIT_FILE_SIZE' ? new FileTooLargeError(limit) : error;
}

function reworded(error: unknown, field: string, maxFiles: number | null, limit: number): unknown {
  error = fileOverLimit(error, limit);
  if (!(error instanceof HttpException) || error.getStatus() !== 400) return error;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  const how = `(curl: -F ${field}=@scan.png)`;
  if (code === 'LIMIT_UNEXPECTED_FILE') {
    return new BadRequestException(`A file was sent in another multipart field: this route takes its file${maxFiles === 1 ? '' : 's'} in the field "${field}" ${how}.`);
  }
  if (code === 'LIMIT_FILE_COUNT' && maxFiles === 1) {
    return new BadRequestException(`Too many files: this route takes one file, in the multipart field "${field}" ${how}.`);
  }
  return error;
}
