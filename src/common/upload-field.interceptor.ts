import { BadRequestException, CallHandler, ExecutionContext, HttpException, mixin, NestInterceptor, Type } from '@nestjs/common';
import { catchError, Observable, throwError } from 'rxjs';

/**
 * multer's refusals of a file in another field ("Unexpected file field") or of a second file
 * ("Too many files") said with the field the route does take — a script that wrote
 * `-F file=@scan.png` or `files=` was told only that something was unexpected. The client's own
 * field name is still never echoed. Listed before the route's File(s)Interceptor, so it wraps it.
 */
export function UploadFieldWords(field: string, maxFiles: number | null): Type<NestInterceptor> {
  class UploadFieldWordsInterceptor implements NestInterceptor {
    intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
      return next.handle().pipe(catchError((error: unknown) => throwError(() => reworded(error, field, maxFiles))));
    }
  }
  return mixin(UploadFieldWordsInterceptor);
}

function reworded(error: unknown, field: string, maxFiles: number | null): unknown {
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
