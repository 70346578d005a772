import 'reflect-metadata';
import { logToStderr } from './cli-logger';
import { cliConfig, storedDatabaseExists } from './cli-config';
import { integerOption, parseOptions } from './cli-args';
import { PrismaService } from '../prisma/prisma.service';
import { StoredDescriptionRepository } from '../repositories/stored-description.repository';
import { DEFAULT_RESCRUB_BATCH, rescrubStoredDescriptions } from '../studies/rescrub-descriptions';

/** Rows read and written per batch, at most. */
const MAX_BATCH = 10_000;

const USAGE = `Usage: npm run descriptions:rescrub -- [--batch-size N] [--dry-run] [--cut-bare-numbers]

Re-applies the series-description scrub's pattern rules (dates in every written form, a number
behind an ID label such as MRN or DOB, digit runs of 5+, the character set) to every description stored in the database named by DATABASE_URL
(SQLite or PostgreSQL; migrations are applied first), ${DEFAULT_RESCRUB_BATCH} rows at a time by default (--batch-size: a whole
number from 1 to ${MAX_BATCH}). Rows
stored before a rule was added lose what it cuts now; rows already clean are not written, so a
second run changes nothing. Cuts that need the patient's identifiers cannot be redone: those were
never stored. It also counts the rows that hold a bare number of 4 digits reading as no sequence
parameter (no b-value, no TR/TE/TI/PLD/... before it, no unit after it): what is left of an ID
whose "#" label an older rule took out ("T2 #4711" was stored "T2 4711"), or a year; such a number
may also be the description's own, so it is cut only with --cut-bare-numbers. --dry-run counts the
rows it would change and writes none. Prints counts only.`;

export async function main(argv = process.argv.slice(2)): Promise<number> {
  let values: { 'batch-size'?: string; 'dry-run'?: boolean; 'cut-bare-numbers'?: boolean; help?: boolean };
  try {
    values = parseOptions(argv, { 'batch-size': { type: 'string' }, 'dry-run': { type: 'boolean' }, 'cut-bare-numbers': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.error(USAGE);
    return 0;
  }
  let batchSize: number;
  try {
    batchSize = integerOption('batch-size', values['batch-size'], { min: 1, max: MAX_BATCH }) ?? DEFAULT_RESCRUB_BATCH;
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const config = cliConfig();
  if (!config || !storedDatabaseExists(config)) return 1;
  // stdout holds the counts line only; the database's log lines (migrations, PostgreSQL waits) go to stderr
  logToStderr(config);
  const prisma = new PrismaService(config);
  try {
    await prisma.onModuleInit();
    const dryRun = values['dry-run'] === true;
    const cutBareNumbers = values['cut-bare-numbers'] === true;
    const r = await rescrubStoredDescriptions(new StoredDescriptionRepository(prisma), { batchSize, dryRun, cutBareNumbers });
    const counts =
      `Series descriptions re-scrubbed${dryRun ? ' (dry run, nothing written)' : ''}: ${r.changed} of ${r.examined} stored rows ` +
      `${dryRun ? 'would change' : 'changed'}, in ${r.batches} batch${r.batches === 1 ? '' : 'es'} of up to ${batchSize}`;
    console.log(counts + bareNumbersNote(r.bareIds, cutBareNumbers));
    return 0;
  } catch (err) {
    console.error(`Could not re-scrub the stored descriptions: ${(err as Error).message}`);
    return 1;
  } finally {
    await prisma.$disconnect();
  }
}

/** The end of the counts line: what was done about bare 4-digit numbers (none: nothing). */
function bareNumbersNote(rows: number, cut: boolean): string {
  if (!rows) return '.';
  if (cut) return `, ${rows} of them for a bare number of 4 digits (--cut-bare-numbers).`;
  const one = rows === 1;
  return (
    `.\n${rows} of them hold${one ? 's' : ''} a bare number of 4 digits that reads as no sequence parameter ` +
    `(an ID whose "#" an older rule took out may look so): left as ${one ? 'it is' : 'they are'}; --cut-bare-numbers cuts ${one ? 'it' : 'them'}.`
  );
}

if (require.main === module) {
  main().then((code) => process.exit(code));
}
