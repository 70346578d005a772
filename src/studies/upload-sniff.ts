import * as zlib from 'node:zlib';
import { ARCHIVE_SNIFF_BYTES, isGzip, otherArchiveName } from './file-kinds';
import { archiveAlsoOverLimit, otherArchiveRefused, UnsupportedStudyFileError } from './study-errors';

/**
 * What an upload's files are, read from the first bytes that arrive, for the one refusal that
 * comes before the study is read: the upload passing the study limit. A .tar.gz larger than the
 * limit was refused 413 "too large" before anything had looked at it, and its owner, having packed
 * a smaller one, was only then told that TAR is not read. Bytes kept per file: PREFIX_BYTES.
 */
const PREFIX_BYTES = 4096;

export class UploadSniffer {
  /** per file: its first bytes while they are fewer than PREFIX_BYTES, else what they said (archiveKind) */
  private readonly files: ({ prefix: Uint8Array } | { kind: string | null })[] = [];

  /** The next file of the upload starts; returns the function that takes its chunks as they arrive. */
  startFile(): (chunk: Uint8Array) => void {
    const at = this.files.length;
    this.files.push({ prefix: new Uint8Array(0) });
    return (chunk) => {
      const f = this.files[at];
      if (!('prefix' in f)) return;
      const had = f.prefix;
      const next = new Uint8Array(Math.min(PREFIX_BYTES, had.length + chunk.length));
      next.set(had);
      next.set(chunk.subarray(0, next.length - had.length), had.length);
      // decided once the prefix is full, so a request holds at most PREFIX_BYTES per file (a small one: its size)
      this.files[at] = next.length < PREFIX_BYTES ? { prefix: next } : { kind: archiveKind(next) };
    };
  }

  /**
   * The refusal for an upload over the study limit, when one of its files so far is an archive the
   * service does not open (file-kinds.ts otherArchiveName): it names that file and what to do, and
   * says the limit. Null when none is known to be one (the plain 413 stays).
   */
  overLimitRefusal(limit: number): UnsupportedStudyFileError | null {
    for (let i = 0; i < this.files.length; i++) {
      const f = this.files[i];
      const what = 'prefix' in f ? archiveKind(f.prefix) : f.kind;
      if (what) {
        return otherArchiveRefused(`file ${i + 1} of the upload`, what, archiveAlsoOverLimit(limit));
      }
    }
    return null;
  }
}

/** "TAR archive", "TAR archive (gzip-compressed)", "7-Zip archive"… from a file's first bytes, or null. */
export function archiveKind(prefix: Uint8Array): string | null {
  const plain = otherArchiveName(prefix);
  if (plain) return `${plain} archive`;
  if (!isGzip(prefix)) return null;
  const inner = otherArchiveName(inflatedStart(prefix));
  return inner ? `${inner} archive (gzip-compressed)` : null;
}

/**
 * The first bytes a gzip prefix inflates to (the prefix may stop mid-stream). It is inflated from
 * a few hundred compressed bytes up, doubling, until enough for a TAR header is out: a prefix of
 * n bytes inflates to at most ~1032·n, so a bomb's start never takes more than a few MB.
 */
function inflatedStart(prefix: Uint8Array): Uint8Array {
  let out: Uint8Array = new Uint8Array(0);
  for (let n = 256; ; n *= 2) {
    try {
      out = zlib.gunzipSync(prefix.subarray(0, n), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch {
      return out; // not a gzip stream after all, or corrupt: nothing more to tell
    }
    if (out.length >= ARCHIVE_SNIFF_BYTES || n >= prefix.length) return out;
  }
}
