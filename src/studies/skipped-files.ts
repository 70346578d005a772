import { cutTokens } from './deidentify';
import { cutDates } from './deidentify-patterns';
import { FilePosition, fileLabel } from './study-errors';

/**
 * Files of a study upload that are not read: the side files a PACS export or a patient CD puts
 * beside the series (DICOMDIR, README, autorun.inf, a viewer, thumbnails, HTML indexes). The
 * answer says how many there were and names a few, so a user sees what was left out.
 */

/** Names shown at most; the count covers them all. */
export const SHOWN_SKIPPED = 5;
/** Characters of one shown name at most (the extension is kept). */
const NAME_LENGTH = 40;

export interface SkippedFiles {
  count: number;
  /** up to SHOWN_SKIPPED of them, in upload order: sanitised base names (no folder), or "file 3 of 4" for a file uploaded on its own */
  names: string[];
}

/**
 * Collects skipped files as they are found (a DICOMDIR only once its header is read); keeps only
 * the names it will show, the first ones in upload order, as base names until they are shown: the
 * series' identifiers, known only once every header is read, are cut from them then.
 */
export class SkippedList {
  private readonly shown: { at: number[]; base: string | null; label: string }[] = [];
  private n = 0;
  private doc: { label: string; kind: string } | null = null;
  private readonly nonImage: string[] = [];
  private dir = false;
  /** `entryName`: the ZIP entry's name; absent for a file uploaded on its own (its name is not sent). Bookkeeping entries are not counted. */
  add(pos: FilePosition, entryName?: string): void {
    if (entryName !== undefined && isBookkeepingEntry(entryName)) return;
    this.n++;
    const at = [pos.file, pos.entry ?? -1];
    const before = (a: number[], b: number[]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
    if (this.shown.length === SHOWN_SKIPPED && !before(at, this.shown[SHOWN_SKIPPED - 1].at)) return;
    this.shown.push({ at, base: entryName === undefined ? null : baseName(entryName), label: fileLabel(pos) });
    this.shown.sort((a, b) => (before(a.at, b.at) ? -1 : 1));
    this.shown.length = Math.min(this.shown.length, SHOWN_SKIPPED);
  }
  get count(): number {
    return this.n;
  }
  /** A skipped DICOM object that holds no image ("a structured report"): kinds kept in the order first found. */
  noteNonImage(what: string): void {
    if (!this.nonImage.includes(what)) this.nonImage.push(what);
  }
  /** A skipped DICOMDIR (the export's index): an upload of nothing else lacks the images it lists. */
  noteDirectory(): void {
    this.dir = true;
  }
  get hasDirectory(): boolean {
    return this.dir;
  }
  /** What the skipped DICOM objects without an image were, each kind once; empty when there were none */
  get nonImageKinds(): readonly string[] {
    return this.nonImage;
  }
  /** An uploaded ZIP that is a document or program in the ZIP container (container-documents.ts); the first is kept. */
  noteDocument(pos: FilePosition, kind: string): void {
    this.doc ??= { label: fileLabel(pos), kind };
  }
  /** The first uploaded ZIP that was a document, with its position ("file 2 of 3"): for a refusal that names it */
  get document(): { label: string; kind: string } | null {
    return this.doc;
  }
  /** `identifierTokens`: those of the series' headers (deidentify.ts identifierTokens), cut from the names; none when no header was read */
  summary(identifierTokens: string[] = []): SkippedFiles {
    return { count: this.n, names: this.shown.map((s) => (s.base === null ? s.label : shownName(s.base, identifierTokens))) };
  }
  /** "3 other files (README.TXT, VIEWER.EXE, thumb.jpg)", "6 other files (a, b, c, d, e and 1 more)" — for a refusal before any header was read */
  describe(): string {
    const { names } = this.summary();
    const more = this.n - names.length;
    return `${this.n} other file${this.n === 1 ? '' : 's'} (${names.join(', ')}${more > 0 ? ` and ${more} more` : ''})`;
  }
}

/**
 * A ZIP entry's name as it may be shown. Names can carry identifiers (exports name folders after
 * the patient, files after dates and accession numbers), so only the base name is kept — never
 * the folders — with the tokens of the series' patient name/IDs (`identifierTokens`, when its
 * header was read), digit runs of 5 or more and dates with separators (cutDates) cut out as the series description's
 * are, reduced to a safe character set, and at most NAME_LENGTH characters. Names are never
 * logged or stored; this is for the answer the uploader reads.
 */
export function shownName(entryName: string, identifierTokens: string[] = []): string {
  let s = cutDates(cutTokens(baseName(entryName).normalize('NFKC'), identifierTokens, '#'), '#')
    .replace(/\d{5,}/g, '#')
    .replace(/[^A-Za-z0-9 _\-+.()#]/g, '_')
    .trim();
  if (s.length > NAME_LENGTH) {
    const dot = s.lastIndexOf('.');
    const ext = dot > 0 && s.length - dot <= 8 ? s.slice(dot) : '';
    s = `${s.slice(0, NAME_LENGTH - ext.length - 1)}…${ext}`;
  }
  return s || '(no name)';
}

function baseName(entryName: string): string {
  return entryName.split(/[\\/]/).pop() ?? '';
}

/**
 * Entries that are the archive's own bookkeeping, not files of the export: folders, macOS resource
 * forks (__MACOSX/…) and hidden files (.DS_Store, ._IM1). They are read like any entry (a DICOM
 * among them is still a slice) but, when skipped, are not counted or listed: a series zipped on a
 * Mac would otherwise report one skipped file per slice.
 */
export function isBookkeepingEntry(name: string): boolean {
  const base = name.split('/').pop() ?? name;
  return name.endsWith('/') || name.startsWith('__MACOSX/') || base.startsWith('.');
}
