import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import { StudyTooLargeError, TooManyFilesError } from './study-errors';

/**
 * multer storage for studies: every file is kept in memory only, and the running total of all
 * files of one request is checked as each chunk arrives — the upload is refused (413) the moment
 * it passes the study limit, without buffering the rest; the same for the number of files.
 * Nothing is written to disk.
 */
export function memoryStudyStorage(maxTotalBytes: number, maxFiles: number): StorageEngine {
  const totals = new WeakMap<Request, number>();
  const counts = new WeakMap<Request, number>();
  return {
    _handleFile(req, file, cb) {
      // one file more than a study may hold is a 413 like every other study limit (multer's own
      // file-count limit, one above this, would answer 400)
      const count = (counts.get(req) ?? 0) + 1;
      counts.set(req, count);
      if (count > maxFiles) {
        file.stream.resume();
        cb(new TooManyFilesError(maxFiles, 'upload'));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let failed = false;
      file.stream.on('data', (chunk: Buffer) => {
        if (failed) return;
        const total = (totals.get(req) ?? 0) + chunk.length;
        totals.set(req, total);
        if (total > maxTotalBytes) {
          failed = true;
          chunks.length = 0;
          file.stream.resume();
          cb(new StudyTooLargeError(maxTotalBytes));
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      file.stream.on('error', (err) => {
        if (!failed) {
          failed = true;
          cb(err);
        }
      });
      file.stream.on('end', () => {
        if (!failed) cb(null, { buffer: Buffer.concat(chunks, size), size });
      });
    },
    _removeFile(_req, file, cb) {
      (file as { buffer?: Buffer }).buffer = undefined;
      cb(null);
    },
  };
}
