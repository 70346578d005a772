import 'reflect-metadata';
import { cliConfig } from './cli-config';
import { parseArgs } from 'node:util';
import { PrismaService } from '../prisma/prisma.service';
import { StoredDescriptionRepository } from '../repositories/stored-description.repository';
import { DEFAULT_RESCRUB_BATCH, rescrubStoredDescriptions } from '../studies/rescrub-descriptions';

const USAGE = `Usage: npm run descriptions:rescrub -- [--batch-size N] [--dry-run]

Re-applies the series-description scrub's pattern rules (dates in every written form, a number
behind an ID label such as MRN or DOB, digit runs of 5+, the character set) to every description stored in the database named by DATABASE_URL
(SQLite or PostgreSQL; migrations are applied first), ${DEFAULT_RESCRUB_BATCH} rows at a time by default. Rows
stored before a rule was added lose what it cuts now; rows already clean are not written, so a
second run changes nothing. Cuts that need the patient's identifiers cannot be redone: those were
never stored. --dry-run counts the rows it would change and writes none. Prints counts only.`;

export async function main(argv = process.argv.slice(2)): Promise<number> {
  let values: { 'batch-size'?: string; 'dry-run'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { 'batch-size': { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean' } } }));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.error(USAGE);
    return 0;
  }
  const batchSize = values['batch-size'] === undefined ? DEFAULT_RESCRUB_BATCH : Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    console.error('--batch-size must be a whole number from 1 to 10000');
    return 2;
  }
  const config = cliConfig();
  if (!config) return 1;
  const prisma = new PrismaService(config);
  try {
    await prisma.onModuleInit();
    const dryRun = values['dry-run'] === true;
    const r = await rescrubStoredDescriptions(new StoredDescriptionRepository(prisma), { batchSize, dryRun });
    console.log(
      `Series descriptions re-scrubbed${dryRun ? ' (dry run, nothing written)' : ''}: ${r.changed} of ${r.examined} stored rows ` +
        `${dryRun ? 'would change' : 'changed'}, in ${r.batches} batch${r.batches === 1 ? '' : 'es'} of up to ${batchSize}.`,
    );
    return 0;
  } catch (err) {
    console.error(`Could not re-scrub the stored descriptions: ${(err as Error).message}`);
    return 1;
  } finally {
    await prisma.$disconnect();
  }
}

if (require.main === module) {
  main().then((code) => process.exit(code));
}
