/**
 * Descriptions stored under older scrub rules kept what those rules let through: a birth date with
 * its month in words or spaces ("DOB 01 JAN 1970") before 1939451, one with separators
 * ("1970-01-31") before f4321c9. The header's identifiers were never stored, so only the rules that
 * need none can be re-applied (src/studies/rescrub-descriptions.ts, `npm run descriptions:rescrub`),
 * with those added since (an ID behind its label, deidentify-patterns.ts):
 * here on a SQLite database with rows written as the old rules left them, beside 313 protocol names
 * that must stay as they are.
 */
import { main as rescrubCli } from '../../../src/cli/rescrub-descriptions';
import { AppConfig } from '../../../src/config/config.service';
import { PrismaService } from '../../../src/prisma/prisma.service';
import { StoredDescriptionRepository } from '../../../src/repositories/stored-description.repository';
import { scrubDescription } from '../../../src/studies/deidentify';
import { rescrubStoredDescriptions, staleDescriptionsWarning } from '../../../src/studies/rescrub-descriptions';
import { Logger } from '@nestjs/common';
import * as path from 'node:path';
import { tempDir } from '../../support/app';
import { SERIES_DESCRIPTIONS } from '../../support/series-descriptions';

/** Birth dates as the rules before 1939451 (and f4321c9) stored them: every character was in the kept set. */
const OLD_DATES = ['01 JAN 1970', '1 January 1970', '1-Jan-1970', '01JAN1970', '1JAN70', 'Jan 1, 1970', 'January 01 1970', '01 01 1970', '1970 01 01', 'Sept. 3 1970', '1970-01-31', '31.01.1970', '31/01/70'];
const OLD_ROWS = OLD_DATES.map((d) => `DOB ${d} T1`);
/** IDs behind a label, stored as written by every rule so far (none cut them without the header's identifiers), and what they become. */
const OLD_LABELLED: [string, string][] = [
  ['AX T1 MRN: 123-456 FLAIR', 'AX T1 MRN: FLAIR'],
  ['T2 PID 4711', 'T2 PID'],
  ['DWI ACC A4711 b1000', 'DWI ACC b1000'],
  // label and number joined by "_": kept by every rule before the privacy pass
  ['T2 PID_4711', 'T2 PID_'],
  ['PAT_ID_0042 T1', 'PAT_ID_ T1'],
  ['ID b4711 DWI', 'ID DWI'],
];

/**
 * Rows stored before the "#" label rule: "T2 #4711" lost its "#" to the character set and was stored
 * "T2 4711", which no rule can tell from a description's number by the label any more. A bare number
 * of 4 digits that reads as no parameter is counted (and cut with cutBareNumbers), and what it becomes.
 */
const OLD_BARE: [string, string][] = [
  ['T2 4711', 'T2'],
  ['AX T1 0042 FLAIR', 'AX T1 FLAIR'],
  ['DWI 4711 b1000', 'DWI b1000'],
  ['T1_4711_AX', 'T1_ _AX'],
  ['T1 1970', 'T1'],
];
/** Bare 4-digit numbers that read as a parameter: neither counted nor cut (an ID written so stays). */
const BARE_PARAMETERS = ['DWI 1500', 'DWI b0 500 1000 2000', 'PLD 2025', 'TR 4711', 'TI_2400', 'b 3000', 'T2 2000 ms', 'matrix 1024 x 1024', 'T2 4711.5'];

function databaseAt(file: string): PrismaService {
  return new PrismaService(AppConfig.fromProcess({ NODE_ENV: 'test', DATABASE_URL: `file:${file}`, LOG_LEVEL: 'error' }));
}

async function seed(prisma: PrismaService, descriptions: (string | null)[]): Promise<void> {
  for (const [i, seriesDescription] of descriptions.entries()) {
    await prisma.analysis.create({ data: { byteSize: 1, sha256: `${i}`.padStart(64, '0'), status: 'completed', kind: seriesDescription === null ? null : 'study', seriesDescription } });
  }
}

async function stored(prisma: PrismaService): Promise<Map<string, string | null>> {
  const rows = await prisma.analysis.findMany({ select: { sha256: true, seriesDescription: true } });
  return new Map(rows.map((r) => [r.sha256, r.seriesDescription]));
}

/** A seeded generator (no Math.random: a failure names the input it failed on, every run). */
function generator(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe('re-scrubbing stored series descriptions', () => {
  beforeAll(() => Logger.overrideLogger(['error'])); // the migrator's "Applied migrations" line

  let prisma: PrismaService;
  let file: string;
  beforeEach(async () => {
    file = path.join(tempDir(), 'rescrub.db');
    prisma = databaseAt(file);
    await prisma.onModuleInit();
  });
  afterEach(async () => {
    await prisma.$disconnect();
  });

  it('cuts the dates old rules kept, leaves the protocol names and image rows alone, in bounded batches; a second pass changes nothing', async () => {
    const descriptions = [...SERIES_DESCRIPTIONS, ...OLD_ROWS, ...OLD_LABELLED.map(([d]) => d), null, null];
    await seed(prisma, descriptions);
    const repo = new StoredDescriptionRepository(prisma);
    const before = await stored(prisma);

    const dry = await rescrubStoredDescriptions(repo, { batchSize: 50, dryRun: true });
    expect(dry).toEqual({ examined: descriptions.length - 2, changed: OLD_ROWS.length + OLD_LABELLED.length, batches: Math.ceil((descriptions.length - 2) / 50), bareIds: 0 });
    expect(await stored(prisma)).toEqual(before);

    expect(await rescrubStoredDescriptions(repo, { batchSize: 50 })).toEqual(dry);
    const after = await stored(prisma);
    const changed = [...after].filter(([k, v]) => before.get(k) !== v).map(([, v]) => v);
    expect(changed.sort()).toEqual([...OLD_ROWS.map(() => 'DOB T1'), ...OLD_LABELLED.map(([, to]) => to)].sort());
    expect([...after.values()].filter((v) => v === null)).toHaveLength(2);

    expect((await rescrubStoredDescriptions(repo, { batchSize: 7 })).changed).toBe(0);
  });

  it('a bare 4-digit number that reads as no parameter ("T2 4711", stored from "T2 #4711") is counted, and cut only when asked; no protocol name is either', async () => {
    const descriptions = [...SERIES_DESCRIPTIONS, ...OLD_BARE.map(([d]) => d), ...BARE_PARAMETERS];
    await seed(prisma, descriptions);
    const repo = new StoredDescriptionRepository(prisma);
    const before = await stored(prisma);

    const counted = await rescrubStoredDescriptions(repo, { batchSize: 100 });
    expect(counted).toMatchObject({ examined: descriptions.length, changed: 0, bareIds: OLD_BARE.length });
    expect(await stored(prisma)).toEqual(before);

    const dry = await rescrubStoredDescriptions(repo, { batchSize: 100, cutBareNumbers: true, dryRun: true });
    expect(dry).toMatchObject({ changed: OLD_BARE.length, bareIds: OLD_BARE.length });
    expect(await stored(prisma)).toEqual(before);
    expect(await rescrubStoredDescriptions(repo, { batchSize: 100, cutBareNumbers: true })).toEqual(dry);
    const after = await stored(prisma);
    const changed = [...after].filter(([k, v]) => before.get(k) !== v).map(([, v]) => v);
    expect(changed.sort()).toEqual(OLD_BARE.map(([, to]) => to).sort());
    expect(await rescrubStoredDescriptions(repo, { cutBareNumbers: true })).toMatchObject({ changed: 0, bareIds: 0 });
    // a fresh scrub keeps such a number (it may be the description's own): the plain re-scrub changes no row it stored
    for (const [d] of OLD_BARE) expect(scrubDescription(d, [])).toBe(d);
  });

  it('the start-up check: one warning with the count naming the command, bounded to maxRows, none once re-scrubbed', async () => {
    const descriptions = [...SERIES_DESCRIPTIONS.slice(0, 40), ...OLD_ROWS];
    await seed(prisma, descriptions);
    const repo = new StoredDescriptionRepository(prisma);
    const before = await stored(prisma);
    const all = await staleDescriptionsWarning(repo);
    expect(all).toBe(`${OLD_ROWS.length} of the ${descriptions.length} stored series descriptions would change under today's de-identification rules (stored under older ones): run \`npm run descriptions:rescrub\` (README, De-identification).`);
    for (const d of OLD_ROWS) expect(all).not.toContain(d.slice(4, 10)); // counts only, never a description
    // bounded: reads no more than it is allowed, and says it read only some
    const bounded = await rescrubStoredDescriptions(repo, { dryRun: true, batchSize: 4, maxRows: 10 });
    expect(bounded).toMatchObject({ examined: 10, batches: 3 });
    const some = await staleDescriptionsWarning(repo, 10);
    expect(some).toBe(bounded.changed ? `${bounded.changed} of the first 10 stored series descriptions checked${all!.slice(all!.indexOf(' would change'))}` : null);
    expect(await stored(prisma)).toEqual(before); // a dry run
    await rescrubStoredDescriptions(repo);
    expect(await staleDescriptionsWarning(repo)).toBeNull();
  });

  it('a row written meanwhile is not overwritten with the description read before', async () => {
    await seed(prisma, ['DOB 01 JAN 1970 T1']);
    const repo = new StoredDescriptionRepository(prisma);
    const [row] = await repo.after(null, 10);
    await prisma.analysis.update({ where: { id: row.id }, data: { seriesDescription: 'T2' } });
    expect(await repo.replace([{ id: row.id, from: row.seriesDescription, to: 'DOB T1' }])).toBe(0);
    expect((await repo.after(null, 10))[0].seriesDescription).toBe('T2');
  });

  it('the command: counts in one line (a second for bare numbers), no description in it; a bad batch size is refused', async () => {
    await seed(prisma, ['DOB 1970-01-31 T1', 'AX T1 FLAIR', 'T2 01 JAN 1970']);
    await prisma.$disconnect();
    const env = { DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: process.env.LOG_LEVEL };
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      process.env.LOG_LEVEL = 'error';
      process.env.DATABASE_URL = `file:${file}`;
      expect(await rescrubCli(['--batch-size', '2'])).toBe(0);
      expect(await rescrubCli([])).toBe(0);
      expect(await rescrubCli(['--batch-size', '0'])).toBe(2);
      expect(log.mock.calls.map((c) => String(c[0]))).toEqual([
        'Series descriptions re-scrubbed: 2 of 3 stored rows changed, in 2 batches of up to 2.',
        'Series descriptions re-scrubbed: 0 of 3 stored rows changed, in 1 batch of up to 500.',
      ]);
      log.mockClear();
      await prisma.analysis.create({ data: { byteSize: 1, sha256: 'f'.repeat(64), status: 'completed', kind: 'study', seriesDescription: 'T2 4711' } });
      await prisma.$disconnect();
      expect(await rescrubCli(['--dry-run'])).toBe(0);
      expect(await rescrubCli(['--cut-bare-numbers'])).toBe(0);
      expect(await rescrubCli([])).toBe(0);
      expect(log.mock.calls.map((c) => String(c[0]))).toEqual([
        'Series descriptions re-scrubbed (dry run, nothing written): 0 of 4 stored rows would change, in 1 batch of up to 500.\n' +
          '1 of them holds a bare number of 4 digits that reads as no sequence parameter (an ID whose "#" an older rule took out may look so): left as it is; --cut-bare-numbers cuts it.',
        'Series descriptions re-scrubbed: 1 of 4 stored rows changed, in 1 batch of up to 500, 1 of them for a bare number of 4 digits (--cut-bare-numbers).',
        'Series descriptions re-scrubbed: 0 of 4 stored rows changed, in 1 batch of up to 500.',
      ]);
    } finally {
      log.mockRestore();
      error.mockRestore();
      for (const [k, v] of Object.entries(env)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    prisma = databaseAt(file);
    await prisma.onModuleInit();
    expect([...(await stored(prisma)).values()].sort()).toEqual(['AX T1 FLAIR', 'DOB T1', 'T2', 'T2']);
  });

  it('the rules are idempotent on their own output: a cut that makes a new date cuts it too ("JAN é01 1970", "1970 12345 01 01")', () => {
    expect(scrubDescription('JAN é01 1970 T1', [])).toBe('T1');
    expect(scrubDescription('T1 1970 12345 01 01', [])).toBe('T1');
    const parts = ['MRN', 'ID ', 'SMITH', '#', '1', '01', '12', '31', '1970', '70', '2024', ' ', ' ', '-', '.', '/', 'JAN', 'Jan', 'March', 'T1', 'b1000', 'DOB', ',', '3.', 'x', '12345', '^', 'é', 'MAR', 'SE'];
    const next = generator(12345);
    const notIdempotent: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      let s = '';
      for (let k = 1 + Math.floor(next() * 12); k > 0; k--) s += parts[Math.floor(next() * parts.length)];
      const once = scrubDescription(s, []);
      if (once !== null && scrubDescription(once, []) !== once) notIdempotent.push(s);
    }
    expect(notIdempotent).toEqual([]);
  });
});
