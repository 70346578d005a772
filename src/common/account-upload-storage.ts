import { Injectable, Module } from '@nestjs/common';
import type { MulterModuleOptions } from '@nestjs/platform-express';
import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import { authState } from '../accounts/request-user';
import { AppConfig } from '../config/config.service';
import { AnalysisUnavailableError } from './errors';

/**
 * Bytes of image uploads each account is still sending: what one account's unfinished uploads
 * may hold in memory at once. One per app (UploadsModule), shared by every route that takes an
 * image (analyses, reports).
 */
@Injectable()
export class UploadLedger {
  private readonly byOwner = new Map<string, number>();
  /**
   * Four uploads' worth: the page and its batch send one image at a time; a script running a few
   * clients on one login still fits.
   */
  readonly maxPerOwner: number;

  constructor(config: AppConfig) {
    this.maxPerOwner = 4 * config.maxUploadBytes;
  }

  held(owner: string): number {
    return this.byOwner.get(owner) ?? 0;
  }

  add(owner: string, bytes: number): void {
    const now = this.held(owner) + bytes;
    if (now > 0) this.byOwner.set(owner, now);
    else this.byOwner.delete(owner);
  }
}

/**
 * multer storage for single-image uploads: in memory, as multer's memoryStorage, but the bytes an
 * upload has received count against its account until the file has arrived (or the request ends),
 * and a chunk that would take the account past `ledger.maxPerOwner` fails that upload with 503.
 * Why: the per-user limit counts requests per minute, and an upload may take up to the server's
 * request timeout (300 s) to arrive; one account that sent 5 MB bodies and never finished them
 * held ~100 of them — ~0.5 GB — at once, the whole of the 512 MB profile.
 * Once received, the image is bounded by the analysis's own limits (deadline, pixel budget).
 */
export function accountUploadStorage(ledger: UploadLedger, ownerOf: (req: Request) => string | null): StorageEngine {
  return {
    _handleFile(req, file, cb) {
      const owner = ownerOf(req);
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      const finish = (err: Error | null) => {
        if (done) return;
        done = true;
        if (owner !== null) ledger.add(owner, -size);
        if (err) {
          chunks.length = 0;
          file.stream.resume();
          cb(err);
        } else cb(null, { buffer: Buffer.concat(chunks, size), size });
      };
      // a client that hangs up mid-file: its bytes are given back with the request
      (req.res ?? req).once('close', () => finish(new Error('Request aborted')));
      file.stream.on('data', (chunk: Buffer) => {
        if (done) return;
        if (owner !== null && ledger.held(owner) + chunk.length > ledger.maxPerOwner) {
          finish(new AnalysisUnavailableError('Your other uploads still being received hold as much as this account may send at once; wait for them to finish.'));
          return;
        }
        if (owner !== null) ledger.add(owner, chunk.length);
        chunks.push(chunk);
        size += chunk.length;
      });
      file.stream.on('error', (err) => finish(err));
      file.stream.on('end', () => finish(null));
    },
    _removeFile(_req, file, cb) {
      (file as { buffer?: Buffer }).buffer = undefined;
      cb(null);
    },
  };
}

@Module({ providers: [UploadLedger], exports: [UploadLedger] })
export class UploadsModule {}

/**
 * The most bytes of one text field of a multipart upload (a 400 past it). Every text field the
 * upload routes take is short (`explain`, `analysisId` ≤ 64, the form's `_csrf`); busboy's default
 * was 1 MiB a field, held in memory outside the file limit and the ledger: 8 MiB a request.
 */
export const UPLOAD_FIELD_BYTES = 1024;

/**
 * Multer options of a route that takes one image: in memory, counted against the caller's account
 * (accountUploadStorage), cut at MAX_UPLOAD_BYTES (413) instead of buffering the rest.
 */
export function imageUploadOptions(config: AppConfig, ledger: UploadLedger, limits: { fields: number; parts: number }): MulterModuleOptions {
  return {
    storage: accountUploadStorage(ledger, (req) => authState(req).user?.id ?? null),
    limits: { fileSize: config.maxUploadBytes, files: 1, fieldSize: UPLOAD_FIELD_BYTES, ...limits },
  };
}
