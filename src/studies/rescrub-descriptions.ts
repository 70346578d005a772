import type { DescriptionChange, StoredDescriptionRepository } from '../repositories/stored-description.repository';
import { scrubDescription } from './deidentify';
import { cutBareNumbers } from './deidentify-patterns';

/** What a pass over the stored descriptions did. */
export interface RescrubResult {
  /** rows with a description read */
  examined: number;
  /** rows whose description the rules changed (with dryRun: would have) */
  changed: number;
  batches: number;
  /**
   * rows whose description, after the rules, holds a bare number of 4 digits that reads as no
   * parameter (cutBareNumbers: "T2 4711", what an older rule left of "T2 #4711"); with
   * cutBareNumbers those were cut and are among `changed`
   */
  bareIds: number;
}

export interface RescrubOptions {
  /** rows read, and written in one transaction, at a time (default 500) */
  batchSize?: number;
  /** count what would change, write nothing */
  dryRun?: boolean;
  /** read no more than this many rows (default: all) */
  maxRows?: number;
  /** also cut what `bareIds` counts (cutBareNumbers): asked for, as it may be the description's own number */
  cutBareNumbers?: boolean;
}

export const DEFAULT_RESCRUB_BATCH = 500;

/**
 * Re-applies what scrubDescription can do without the header's identifiers to every stored series
 * description (deidentify-patterns.ts): dates in every form cutDates knows (a birth date
 * "01 JAN 1970" or "1970-01-31" was kept by the rules of before f4321c9 / 1939451), a number behind
 * an ID label ("MRN 123 456", kept by every rule before), digit runs of 5+, the character set and
 * length. (A FAMILY^GIVEN name cannot be in a stored row: the character set always took the caret
 * out.) The identifier cuts added since (a name without its apostrophe, a grouped or run-in ID)
 * cannot be redone: the identifiers were never stored; what is left of an ID whose "#" label the
 * character set took out ("T2 4711") is counted (`bareIds`), and cut with `cutBareNumbers`. Idempotent (the rules applied to their own output
 * change nothing), so a second pass changes no row; bounded: `batchSize` rows per read and per
 * write transaction, in id order, so a large table neither fills memory nor holds SQLite's write
 * lock for long. Only counts leave this function: a description may be what it was run to clean.
 */
export async function rescrubStoredDescriptions(repo: StoredDescriptionRepository, options: RescrubOptions = {}): Promise<RescrubResult> {
  const size = options.batchSize ?? DEFAULT_RESCRUB_BATCH;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batchSize must be a positive integer, not ${size}`);
  const max = options.maxRows ?? Infinity;
  const result: RescrubResult = { examined: 0, changed: 0, batches: 0, bareIds: 0 };
  for (let after: string | null = null; result.examined < max; ) {
    const rows = await repo.after(after, Math.min(size, max - result.examined));
    if (!rows.length) return result;
    result.batches++;
    result.examined += rows.length;
    after = rows[rows.length - 1].id;
    const changes: DescriptionChange[] = [];
    for (const r of rows) {
      let to = scrubDescription(r.seriesDescription, []);
      const bare = to === null ? to : cutBareNumbers(to, ' ');
      if (bare !== to) {
        result.bareIds++;
        // the rules again over the cut, for the spaces it leaves (and anything it makes: idempotent)
        if (options.cutBareNumbers) to = scrubDescription(bare!, []);
      }
      if (to !== r.seriesDescription) changes.push({ id: r.id, from: r.seriesDescription, to });
    }
    result.changed += options.dryRun ? changes.length : await repo.replace(changes);
  }
  return result;
}

/**
 * Rows the start-up check reads at most: 10 batches, ~0.1 s on SQLite where the whole 66,666 took
 * 0.5–2.4 s (README, De-identification), so a large table is not read through at every start.
 */
export const STARTUP_CHECK_ROWS = 5000;

/**
 * The start-up's one warning when stored descriptions would change under today's rules (a dry run
 * over at most `maxRows` rows, in id order, which is no particular order of age): null when none
 * would. Counts only, as the command prints: a description may be what it would clean.
 */
export async function staleDescriptionsWarning(repo: StoredDescriptionRepository, maxRows = STARTUP_CHECK_ROWS): Promise<string | null> {
  const r = await rescrubStoredDescriptions(repo, { dryRun: true, maxRows });
  if (!r.changed) return null;
  const read = r.examined < maxRows ? `${r.changed} of the ${r.examined} stored series descriptions` : `${r.changed} of the first ${r.examined} stored series descriptions checked`;
  return `${read} would change under today's de-identification rules (stored under older ones): run \`npm run descriptions:rescrub\` (README, De-identification).`;
}
