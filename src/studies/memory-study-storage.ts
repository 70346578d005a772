import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import { AnalysisUnavailableError } from '../common/errors';
import { StudyTooLargeError, TooManyFilesError } from './study-errors';
import { UploadSniffer } from './upload-sniff';

export interface StudyStorage extends StorageEngine {
  /** upload bytes held by all requests now (STUDY_MAX_INFLIGHT_BYTES bounds it) */
  readonly inFlightBytes: number;
}

/** per request: work that still uses its uploaded files (holdUploadUntil) */
const stillUsing = new WeakMap<Request, Promise<unknown>[]>();

/**
 * The request's uploaded bytes stay counted until `stopped` settles, even after its response has
 * closed: the memory they hold is only free once nothing references the files. Registered after
 * the response closed, it has no effect (the bytes were already given back).
 */
export function holdUploadUntil(req: Request, stopped: Promise<unknown>): void {
  const work = stillUsing.get(req);
  if (work) work.push(stopped);
  else stillUsing.set(req, [stopped]);
}

/**
 * multer storage for studies: every file is kept in memory only, and the running total of all
 * files of one request is checked as each chunk arrives — the upload is refused (413) the moment
 * it passes the study limit, without buffering the rest; the same for the number of files.
 * Nothing is written to disk.
 *
 * All requests together hold at most `maxInFlightBytes`: per request the limit stops one upload,
 * but many slow uploads at once (each under it) would otherwise fill the memory. A request's bytes
 * count until its response is over and no work uses them any more (holdUploadUntil: a study
 * answered 504, or whose client left, is still being stopped — its files stay referenced until
 * then), and are given back exactly once; a chunk that would pass the budget fails that upload
 * with 503, which the client may retry.
 * The first bytes of each file are kept (upload-sniff.ts), so that an upload over the limit that
 * holds a TAR, 7-Zip or RAR archive (a .tar.gz too) is told so, and to send a ZIP, at once.
 * One account (`ownerOf`) holds at most `maxTotalBytes` of it — one study's worth — so uploads it
 * starts and never finishes cannot shut everyone else out (accounts are made by admins).
 */
export function memoryStudyStorage(
  maxTotalBytes: number,
  maxFiles: number,
  maxInFlightBytes = Number.POSITIVE_INFINITY,
  ownerOf: (req: Request) => string | null = () => null,
): StudyStorage {
  const counts = new WeakMap<Request, number>();
  const sniffers = new WeakMap<Request, UploadSniffer>();
  const budget = { inFlight: 0 };
  const byOwner = new Map<string, number>();
  /** per request: its account and the bytes it holds, counted until its response closes */
  const held = new WeakMap<Request, { owner: string | null; bytes: number }>();
  const hold = (req: Request) => {
    const known = held.get(req);
    if (known) return known;
    const h = { owner: ownerOf(req), bytes: 0 };
    held.set(req, h);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      add(h, -h.bytes);
    };
    // released when the response closes (or, without one, the request) — or, when work on the
    // files was still going then (a 504, a hang-up), once that work has stopped
    (req.res ?? req).once('close', () => {
      const work = stillUsing.get(req);
      if (work?.length) void Promise.allSettled(work).then(release);
      else release();
    });
    return h;
  };
  const add = (h: { owner: string | null; bytes: number }, bytes: number) => {
    h.bytes += bytes;
    budget.inFlight += bytes;
    if (h.owner === null) return;
    const mine = (byOwner.get(h.owner) ?? 0) + bytes;
    if (mine > 0) byOwner.set(h.owner, mine);
    else byOwner.delete(h.owner);
  };
  /** why one more chunk of an upload cannot be held, or null */
  const refusal = (h: { owner: string | null; bytes: number }, chunk: number, sniffer: UploadSniffer): Error | null => {
    if (h.bytes + chunk > maxTotalBytes) return sniffer.overLimitRefusal(maxTotalBytes) ?? new StudyTooLargeError(maxTotalBytes);
    if (h.owner !== null && (byOwner.get(h.owner) ?? 0) + chunk > maxTotalBytes) {
      return new AnalysisUnavailableError('Your other study uploads still in progress hold as much as one study may; wait for them to finish.');
    }
    if (budget.inFlight + chunk > maxInFlightBytes) {
      return new AnalysisUnavailableError('The server is receiving too many studies at once. Please try again in a minute.');
    }
    return null;
  };
  return {
    get inFlightBytes() {
      return budget.inFlight;
    },
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
      const h = hold(req);
      const sniffer = sniffers.get(req) ?? new UploadSniffer();
      sniffers.set(req, sniffer);
      const sniff = sniffer.startFile();
      file.stream.on('data', (chunk: Buffer) => {
        if (failed) return;
        sniff(chunk); // before the limit is checked: the chunk that passes it may be the file's first
        const refused = refusal(h, chunk.length, sniffer);
        if (refused) {
          failed = true;
          chunks.length = 0;
          file.stream.resume();
          cb(refused);
          return;
        }
        add(h, chunk.length);
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
